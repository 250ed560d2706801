namespace Shoal.Net.Utp;

/// <summary>
/// LEDBAT congestion control for one uTP connection, pure: the window (bytes that may be in
/// flight) grows while the queueing delay our packets meet stays under the 100 ms target and
/// shrinks in proportion as it goes over, so a uTP flow fills an idle link and gives way to TCP
/// (which fills queues) on a busy one. The delay is the one-way delay the peer measured, minus
/// the lowest seen in the last two minutes (the base delay: the clocks' offset and the path).
/// Loss halves the window as TCP would; a time-out drops it to one packet.
/// </summary>
internal sealed class Ledbat(int packetSize, int maxWindow)
{
    /// <summary>The queueing delay LEDBAT aims at.</summary>
    public const uint TargetMicros = 100_000;
    /// <summary>The most the window grows in one round trip when the delay is far under the target.</summary>
    public const int GainBytesPerRtt = 3000;
    private const long MinuteMicros = 60_000_000;

    // Base delay: the lowest sample of each of the last three minutes (a sliding two-minute minimum and the minute now).
    private readonly uint[] _slotMin = new uint[3];
    private readonly long[] _slotMinute = [-10, -10, -10];
    private bool _slowStart = true;
    private double _slowStartLimit = double.MaxValue;

    /// <summary>Bytes that may be in flight.</summary>
    public double Window { get; private set; } = 2 * packetSize;

    /// <summary>The smallest window LEDBAT backs off to: two packets (RFC 6817).</summary>
    public int MinWindow => 2 * packetSize;

    /// <summary>The queueing delay of the last sample, in microseconds (for status and tests).</summary>
    public uint QueueingDelay { get; private set; }

    /// <summary>
    /// <paramref name="ackedBytes"/> were acknowledged; <paramref name="delaySample"/> is the peer's
    /// latest timestamp difference for our packets (0 when it has none); <paramref name="windowFull"/>
    /// says whether we were sending as much as the window allowed (it grows only then).
    /// </summary>
    public void OnAck(int ackedBytes, uint delaySample, long nowMicros, bool windowFull)
    {
        if (ackedBytes <= 0)
            return;
        if (delaySample == 0)
            return;
        uint baseDelay = AddSample(delaySample, nowMicros);
        uint queueing = delaySample - baseDelay; // modular: the sample is never below the base
        QueueingDelay = queueing < int.MaxValue ? queueing : 0;
        double offTarget = ((double)TargetMicros - QueueingDelay) / TargetMicros; // 1 at no delay, negative over the target
        offTarget = Math.Max(offTarget, -1);
        if (_slowStart)
        {
            if (QueueingDelay > TargetMicros / 2 || Window >= _slowStartLimit)
                _slowStart = false; // a queue is forming, or we reached half the window of the last loss
            else if (windowFull)
            {
                Window = Math.Min(maxWindow, Window + ackedBytes);
                return;
            }
        }
        if (offTarget > 0 && !windowFull)
            return; // not using the window: no evidence the path can take more
        double gain = GainBytesPerRtt * offTarget * ackedBytes / Window;
        Window = Math.Clamp(Window + gain, MinWindow, maxWindow);
    }

    /// <summary>A packet was lost (three duplicate acks or selective acks past it): halve the window.</summary>
    public void OnLoss()
    {
        Window = Math.Max(MinWindow, Window / 2);
        _slowStartLimit = Window;
        _slowStart = false;
    }

    /// <summary>Nothing was acknowledged for a whole time-out: one packet at a time, then slow start up to half of before.</summary>
    public void OnTimeout()
    {
        _slowStartLimit = Math.Max(MinWindow, Window / 2);
        Window = packetSize;
        _slowStart = true;
    }

    /// <summary>Records a sample in its minute and returns the base delay: the lowest of this minute and the two before.</summary>
    private uint AddSample(uint sample, long nowMicros)
    {
        long minute = nowMicros / MinuteMicros;
        int slot = (int)(minute % 3);
        if (_slotMinute[slot] != minute)
            (_slotMinute[slot], _slotMin[slot]) = (minute, sample); // a new minute takes the slot of three minutes ago
        else if (Earlier(sample, _slotMin[slot]))
            _slotMin[slot] = sample;
        uint best = sample;
        for (int i = 0; i < 3; i++)
        {
            if (minute - _slotMinute[i] <= 2 && Earlier(_slotMin[i], best))
                best = _slotMin[i];
        }
        return best;
    }

    /// <summary>The clock's time in microseconds (its timestamp scaled without overflowing).</summary>
    public static long Micros(TimeProvider time) => (long)((Int128)time.GetTimestamp() * 1_000_000 / time.TimestampFrequency);

    /// <summary>Compares timestamp differences modulo 2^32 (they wrap with the clocks).</summary>
    private static bool Earlier(uint a, uint b) => (int)(a - b) < 0;
}

/// <summary>Round-trip time and the retransmission time-out, as BEP 29 computes them (at least 500 ms, 1 s before any sample).</summary>
internal sealed class UtpRtt
{
    private bool _seen;

    public long RttMicros { get; private set; }
    public long VarianceMicros { get; private set; }

    public TimeSpan Timeout => _seen ? TimeSpan.FromMicroseconds(Math.Max(RttMicros + (4 * VarianceMicros), 500_000)) : TimeSpan.FromSeconds(1);

    /// <summary>A round trip measured on a packet sent once.</summary>
    public void Add(long sampleMicros)
    {
        if (!_seen)
        {
            RttMicros = sampleMicros;
            VarianceMicros = sampleMicros / 2;
            _seen = true;
            return;
        }
        long delta = RttMicros - sampleMicros;
        VarianceMicros += (Math.Abs(delta) - VarianceMicros) / 4;
        RttMicros += (sampleMicros - RttMicros) / 8;
    }
}

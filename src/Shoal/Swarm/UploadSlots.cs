namespace Shoal.Swarm;

/// <summary>
/// How many peers we upload to at once (the choker's regular slots, of each kind): as many as
/// raise what we send. It starts at the floor. Every <see cref="Step"/> in which interested
/// peers wait for a slot, it grows the slots while the last growth paid off: the upload rate rose
/// by at least a quarter of what the added slots would carry at the old slots' average rate (it
/// doubles them, or quadruples them when they carried three quarters or more: many peers each
/// asking for little; a first growth, with nothing to judge, quadruples them too). When it did not (the uplink or the CPU is full), the slots go back to what
/// they were and stay there for <see cref="Hold"/> before the next try. Under an upload cap, slots open while we
/// send under 90% of it. When nobody waits, the count settles to the slots in use (not under the
/// floor), so the next growth starts from what is true. Many slow peers (home links, a flash
/// crowd) then share a seed's whole uplink instead of a fixed handful of them idling it, and a
/// few fast ones keep few slots. Pure: the ticker feeds it once a second, under the torrent's lock.
/// </summary>
internal sealed class UploadSlots
{
    private readonly int _floor;
    private readonly TimeProvider _time;
    public static readonly TimeSpan Step = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan Hold = TimeSpan.FromSeconds(10);
    /// <summary>Bytes a growth should have added before it is judged: four blocks.</summary>
    private const double Evidence = 4 * 16384;
    private bool _started;
    private long _stepAt;
    private long _stepBytes;
    private long _holdUntil;
    private long _rateBefore = -1; // the rate before the last doubling; -1: judge the next one afresh
    private int _countBefore;

    public UploadSlots(TimeProvider time, int floor)
    {
        (_time, _floor) = (time, floor);
        Count = floor;
    }

    public int Count { get; private set; }

    /// <summary>
    /// Feeds what has been sent so far (<paramref name="sentBytes"/>, ever growing), the upload cap
    /// (0: none), how many interested peers wait choked and how many are unchoked; true when the
    /// count grew (the new slots should be filled now, not at the next choking round). It never
    /// passes <paramref name="ceiling"/> (the connection limit).
    /// </summary>
    public bool Update(long now, long sentBytes, long capRate, int waiting, int inUse, int ceiling)
    {
        if (!_started)
        {
            (_started, _stepAt, _stepBytes) = (true, now, sentBytes);
            return false;
        }
        var elapsed = _time.GetElapsedTime(_stepAt, now);
        if (elapsed < Step)
            return false;
        long rate = (long)((sentBytes - _stepBytes) / elapsed.TotalSeconds);
        if (waiting == 0)
        {
            Count = Math.Clamp(inUse, _floor, Count);
            _rateBefore = -1;
            (_stepAt, _stepBytes) = (now, sentBytes);
            return false;
        }
        if (capRate > 0)
        {
            (_stepAt, _stepBytes) = (now, sentBytes);
            return rate < capRate * 9 / 10 && Grow(rate, ceiling, 2);
        }
        if (now < _holdUntil)
            return false;
        if (_rateBefore < 0)
        {
            (_stepAt, _stepBytes) = (now, sentBytes); // the growth is judged from here
            return Grow(rate, ceiling, 4);
        }
        // Judge the last growth once what it should add is clear of the noise of whole blocks
        // (slow peers ask for a block every few seconds), or after the hold at most.
        double expected = Expected();
        if (expected * elapsed.TotalSeconds < Evidence && elapsed < Hold)
            return false;
        double paid = expected <= 0 ? 1 : (rate - _rateBefore) / expected;
        (_stepAt, _stepBytes) = (now, sentBytes);
        if (paid >= 0.25)
            return Grow(rate, ceiling, paid >= 0.75 ? 4 : 2); // new slots carry about what the old ones do: the peers' demand limits, not us
        Count = _countBefore; // the growth carried next to nothing: back, and wait before trying again
        _rateBefore = -1;
        _holdUntil = now + (long)(Hold.TotalSeconds * _time.TimestampFrequency);
        return false;
    }

    /// <summary>What the last growth's slots would carry at the old slots' average rate, bytes per second.</summary>
    private double Expected() => (Count - _countBefore) * ((double)_rateBefore / Math.Max(1, _countBefore));

    private bool Grow(long rate, int ceiling, int factor)
    {
        if (Count >= ceiling)
            return false;
        (_countBefore, _rateBefore) = (Count, rate);
        Count = (int)Math.Min(ceiling, (long)Count * factor);
        return true;
    }
}

namespace Shoal.Limits;

/// <summary>
/// Counts bytes and reports the rate over a sliding window of whole seconds. Buckets are
/// keyed by the clock's second, so nothing needs a timer to age them. Thread-safe.
/// </summary>
internal sealed class RateMeter
{
    private const int Seconds = 5;
    private readonly TimeProvider _time;
    private readonly long[] _buckets = new long[Seconds + 1];
    private readonly long[] _bucketSecond = new long[Seconds + 1];
    private readonly long _start;
    private long _total;

    public RateMeter(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _start = _time.GetTimestamp();
    }

    public long Total => Interlocked.Read(ref _total);

    public void Add(long bytes)
    {
        long second = CurrentSecond();
        lock (_buckets)
        {
            int slot = (int)(second % _buckets.Length);
            if (_bucketSecond[slot] != second)
            {
                _bucketSecond[slot] = second;
                _buckets[slot] = 0;
            }
            _buckets[slot] += bytes;
        }
        Interlocked.Add(ref _total, bytes);
    }

    /// <summary>Bytes per second over the last whole seconds (the current partial second excluded).</summary>
    public long Rate
    {
        get
        {
            long now = CurrentSecond();
            long sum = 0;
            int seconds = (int)Math.Min(Seconds, now);
            if (seconds == 0)
                return 0;
            lock (_buckets)
            {
                for (long s = now - seconds; s < now; s++)
                {
                    int slot = (int)(s % _buckets.Length);
                    if (_bucketSecond[slot] == s)
                        sum += _buckets[slot];
                }
            }
            return sum / seconds;
        }
    }

    private long CurrentSecond() => (long)_time.GetElapsedTime(_start).TotalSeconds;
}

using System.Net;

namespace Shoal.Dht;

/// <summary>
/// Bounds the queries a DHT node serves: a token bucket per source address (<see cref="PerSource"/>
/// a second, bursts of twice that) and one for everyone together (<see cref="Total"/> a second),
/// so neither one flooder nor many spend unbounded CPU or send unbounded replies. The table of
/// sources is bounded too: when full, sources idle long enough to be full again are forgotten,
/// and if none are, new sources share the global bucket only.
/// </summary>
internal sealed class SourceRateLimit(TimeProvider time, double perSource, double total)
{
    public const int MaxSources = 16_384;
    private readonly Dictionary<IPAddress, Bucket> _sources = [];
    private readonly Bucket _all = new(total * 2, time.GetTimestamp());
    private readonly Lock _gate = new();

    public double PerSource { get; } = perSource;

    /// <summary>Sources being tracked.</summary>
    public int SourceCount
    {
        get
        {
            lock (_gate)
                return _sources.Count;
        }
    }

    public double Total { get; } = total;

    /// <summary>Takes one query's worth for <paramref name="source"/>; false when it is over its rate or all are.</summary>
    public bool TryTake(IPAddress source)
    {
        long now = time.GetTimestamp();
        lock (_gate)
        {
            if (!_sources.TryGetValue(source, out var bucket))
            {
                if (_sources.Count >= MaxSources)
                    ForgetIdle(now);
                bucket = new Bucket(PerSource * 2, now);
                if (_sources.Count < MaxSources)
                    _sources[source] = bucket;
            }
            if (!bucket.TryTake(now, PerSource, PerSource * 2, time))
                return false;
            return _all.TryTake(now, Total, Total * 2, time);
        }
    }

    private void ForgetIdle(long now)
    {
        foreach (var (address, bucket) in _sources.ToList())
        {
            bucket.Refill(now, PerSource, PerSource * 2, time);
            if (bucket.Tokens >= PerSource * 2)
                _sources.Remove(address);
        }
    }

    private sealed class Bucket(double tokens, long at)
    {
        public double Tokens { get; private set; } = tokens;
        private long _at = at;

        public void Refill(long now, double rate, double burst, TimeProvider time)
        {
            Tokens = Math.Min(burst, Tokens + time.GetElapsedTime(_at, now).TotalSeconds * rate);
            _at = now;
        }

        public bool TryTake(long now, double rate, double burst, TimeProvider time)
        {
            Refill(now, rate, burst, time);
            if (Tokens < 1)
                return false;
            Tokens--;
            return true;
        }
    }
}

using System.Buffers.Binary;
using StackExchange.Redis;

namespace Shoal.Tracker;

/// <summary>
/// Swarms kept in Redis, so several tracker processes behind one name answer for the same
/// torrents and any of them can die without losing a peer: an announce is one Lua script
/// (<see cref="RedisScripts"/>), applied atomically before the answer goes out. Times come from
/// the tracker's clock, so trackers that share a Redis should keep their clocks in step (NTP).
/// </summary>
public sealed class RedisSwarmStore : ISwarmStore, IDisposable
{
    private const int EndpointLength = 18;
    private readonly ConnectionMultiplexer _redis;
    private readonly IDatabase _db;
    private readonly TimeProvider _time;
    private readonly string _prefix;
    private readonly RedisKey _completed, _swarms;

    private RedisSwarmStore(ConnectionMultiplexer redis, string prefix, TimeProvider? time, TimeSpan? peerTimeout, SiteMap? sites)
    {
        _redis = redis;
        _db = redis.GetDatabase();
        _prefix = prefix;
        _time = time ?? TimeProvider.System;
        PeerTimeout = peerTimeout ?? TimeSpan.FromMinutes(45);
        Sites = sites ?? SiteMap.Default;
        _completed = prefix + "completed";
        _swarms = prefix + "swarms";
    }

    /// <summary>
    /// Connects to <paramref name="url"/> (redis://HOST:PORT, optionally /DB for a database
    /// number); throws <see cref="ArgumentException"/> for a bad address and
    /// <see cref="IOException"/> when Redis does not answer.
    /// </summary>
    public static RedisSwarmStore Connect(string url, TimeProvider? time = null, TimeSpan? peerTimeout = null, SiteMap? sites = null, string prefix = "shoal:")
    {
        var options = ParseUrl(url);
        try
        {
            return new RedisSwarmStore(ConnectionMultiplexer.Connect(options), prefix, time, peerTimeout, sites);
        }
        catch (RedisConnectionException e)
        {
            throw new IOException($"cannot reach Redis at {url}: {e.Message}", e);
        }
    }

    /// <summary>redis://HOST:PORT[/DB] as connection options; anything else is refused with the reason.</summary>
    public static ConfigurationOptions ParseUrl(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != "redis" || uri.Host.Length == 0)
            throw new ArgumentException($"'{url}' is not redis://HOST:PORT");
        var options = new ConfigurationOptions { AbortOnConnectFail = true, ConnectTimeout = 5000, SyncTimeout = 5000, ClientName = "shoal-tracker" };
        options.EndPoints.Add(uri.Host.Trim('[', ']'), uri.IsDefaultPort ? 6379 : uri.Port);
        string path = uri.AbsolutePath.Trim('/');
        if (path.Length > 0)
            options.DefaultDatabase = int.TryParse(path, out int db) && db is >= 0 and < 16384 ? db : throw new ArgumentException($"'{path}' in {url} is not a database number");
        if (uri.UserInfo.Length > 0)
        {
            var parts = Uri.UnescapeDataString(uri.UserInfo).Split(':', 2);
            (options.User, options.Password) = parts.Length == 2 ? (parts[0].Length > 0 ? parts[0] : null, parts[1]) : (null, parts[0]);
        }
        return options;
    }

    public SiteMap Sites { get; }

    /// <summary>A peer not heard from for this long is dropped.</summary>
    public TimeSpan PeerTimeout { get; }

    /// <summary>The secret every tracker on this Redis derives its UDP connection ids from: made by the first, read by the rest.</summary>
    public byte[] SharedSecret()
    {
        RedisKey key = _prefix + "udp-secret";
        _db.StringSet(key, System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), when: When.NotExists);
        return (byte[])_db.StringGet(key)! is { Length: >= 16 } secret ? secret : throw new InvalidDataException($"{key} in Redis is not a secret of 16 bytes or more");
    }

    /// <summary>
    /// The swarm's keys every script takes (KEYS[1..3], then <paramref name="extra"/> slots for
    /// the caller) and the prefix of its per-site sets (ARGV[1]), all under one hash tag.
    /// </summary>
    private (RedisKey[] Keys, string SitePrefix) SwarmKeys(InfoHashKey key, int extra)
    {
        string prefix = $"{_prefix}{{{key.ToHex()}}}:";
        var keys = new RedisKey[3 + extra];
        keys[0] = prefix + "p";
        keys[1] = prefix + "t";
        keys[2] = prefix + "m";
        return (keys, prefix + "s:");
    }

    private long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private long TimeoutMs => (long)PeerTimeout.TotalMilliseconds;

    /// <summary>ARGV[2]: peers last seen before this (Unix ms) have missed their announce.</summary>
    private long Cutoff => Now - TimeoutMs;

    public AnnounceCounts Announce(in TrackerAnnounce announce, Span<SampledPeer> sample)
    {
        var (keys, args, want) = AnnounceCall(announce, sample.Length);
        return AnnounceReply(Eval(RedisScripts.Announce, keys, args), sample[..want]);
    }

    public async ValueTask<AnnounceCounts> AnnounceAsync(TrackerAnnounce announce, Memory<SampledPeer> sample)
    {
        var (keys, args, want) = AnnounceCall(announce, sample.Length);
        var reply = await EvalAsync(RedisScripts.Announce, keys, args).ConfigureAwait(false);
        return AnnounceReply(reply, sample.Span[..want]);
    }

    private (RedisKey[] Keys, RedisValue[] Args, int Want) AnnounceCall(in TrackerAnnounce announce, int room)
    {
        var (keys, sites) = SwarmKeys(announce.InfoHash, 2);
        keys[3] = _completed;
        keys[4] = _swarms;
        int want = Math.Clamp(announce.NumWant, 0, room);
        long now = Now;
        RedisValue[] args =
        [
            sites, now - TimeoutMs, Endpoint(announce.Peer), announce.PeerId.ToArray(),
            announce.IsSeed ? "1" : "0", Sites.SiteOf(announce.Peer.Address), Math.Max(0, announce.Uploaded), Math.Max(0, announce.Downloaded),
            (int)announce.Event, want, now, TimeoutMs * 2, Random.Shared.Next(), announce.InfoHash.ToBytes(),
            SwarmRegistry.MaxCompletedKept,
        ];
        return (keys, args, want);
    }

    /// <summary>Reads the script's answer: counts, then endpoint and value of each peer, into <paramref name="sample"/>.</summary>
    private static AnnounceCounts AnnounceReply(RedisResult[] reply, Span<SampledPeer> sample)
    {
        int taken = 0;
        for (int i = 5; i + 1 < reply.Length && taken < sample.Length; i += 2)
        {
            if (TryPeer((byte[])reply[i]!, (byte[])reply[i + 1]!, out var peer))
                sample[taken++] = peer;
        }
        return new AnnounceCounts((int)reply[0], (int)reply[1], (int)reply[2], taken, (long)reply[3], (long)reply[4]);
    }

    public ScrapeCounts? Scrape(InfoHashKey key)
    {
        var (keys, args) = ScrapeCall(key);
        return ScrapeReply(Eval(RedisScripts.Scrape, keys, args));
    }

    public async ValueTask<ScrapeCounts?> ScrapeAsync(InfoHashKey key)
    {
        var (keys, args) = ScrapeCall(key);
        return ScrapeReply(await EvalAsync(RedisScripts.Scrape, keys, args).ConfigureAwait(false));
    }

    private (RedisKey[] Keys, RedisValue[] Args) ScrapeCall(InfoHashKey key)
    {
        var (keys, sites) = SwarmKeys(key, 1);
        keys[3] = _completed;
        return (keys, [sites, Cutoff, key.ToBytes()]);
    }

    private static ScrapeCounts? ScrapeReply(RedisResult[] reply)
    {
        bool exists = (int)reply[0] == 1;
        int completed = (int)reply[3];
        return exists ? new ScrapeCounts((int)reply[1], completed, (int)reply[2]) : completed > 0 ? new ScrapeCounts(0, completed, 0) : null;
    }

    public List<(InfoHashKey Key, ScrapeCounts Counts)> ScrapeAll(int max) => Unavailable(() => ScrapeAllCore(max));

    private List<(InfoHashKey Key, ScrapeCounts Counts)> ScrapeAllCore(int max)
    {
        var all = new List<(InfoHashKey, ScrapeCounts)>();
        foreach (var key in SwarmKeysInStore())
        {
            if (all.Count >= max)
                break;
            if (Scrape(key) is { } counts && counts.Seeders + counts.Leechers > 0)
                all.Add((key, counts));
        }
        return all;
    }

    public int Expire() => Unavailable(ExpireCore);

    private int ExpireCore()
    {
        int removed = 0;
        foreach (var key in SwarmKeysInStore())
        {
            var (keys, sites) = SwarmKeys(key, 1);
            keys[3] = _swarms;
            removed += (int)_db.ScriptEvaluate(RedisScripts.Expire, keys, [sites, Cutoff, key.ToBytes()]);
        }
        return removed;
    }

    public (int Torrents, int Peers, int Seeders) Totals() => Unavailable(TotalsCore);

    private (int Torrents, int Peers, int Seeders) TotalsCore()
    {
        int torrents = 0, peers = 0, seeders = 0;
        foreach (var key in SwarmKeysInStore())
        {
            var (keys, _) = SwarmKeys(key, 0);
            var batch = _db.CreateBatch();
            var count = batch.HashLengthAsync(keys[0]);
            var seeds = batch.HashGetAsync(keys[2], "seeders");
            batch.Execute();
            long n = count.GetAwaiter().GetResult();
            if (n == 0)
                continue;
            torrents++;
            peers += (int)n;
            seeders += (int)(long)seeds.GetAwaiter().GetResult();
        }
        return (torrents, peers, seeders);
    }

    /// <summary>The torrents that have a swarm, walked with SSCAN (no long block of Redis).</summary>
    private IEnumerable<InfoHashKey> SwarmKeysInStore()
    {
        foreach (var member in _db.SetScan(_swarms, pageSize: 500))
        {
            var bytes = (byte[]?)member;
            if (bytes is { Length: InfoHashKey.Length })
                yield return InfoHashKey.From(bytes);
        }
    }

    /// <summary>What a client is told while Redis cannot be reached (the tracker keeps running and answers again when it can).</summary>
    public const string UnavailableReason = "the tracker's swarm store is unavailable; try again later";

    private RedisResult[] Eval(string script, RedisKey[] keys, RedisValue[] args) =>
        (RedisResult[])Unavailable(() => _db.ScriptEvaluate(script, keys, args))!;

    private async Task<RedisResult[]> EvalAsync(string script, RedisKey[] keys, RedisValue[] args)
    {
        try
        {
            return (RedisResult[])(await _db.ScriptEvaluateAsync(script, keys, args).ConfigureAwait(false))!;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw new TrackerRequestException(UnavailableReason);
        }
    }

    /// <summary>Runs a Redis call, turning a lost or slow Redis into the failure reason clients get.</summary>
    private static T Unavailable<T>(Func<T> call)
    {
        try
        {
            return call();
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw new TrackerRequestException(UnavailableReason);
        }
    }

    private static byte[] Endpoint(PeerEndpoint endpoint)
    {
        var bytes = new byte[EndpointLength];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, endpoint.Address);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(16), endpoint.Port);
        return bytes;
    }

    /// <summary>A peer as the script stores it; anything malformed (a foreign writer) is skipped.</summary>
    private static bool TryPeer(byte[]? endpoint, byte[]? value, out SampledPeer peer)
    {
        peer = default;
        if (endpoint is not { Length: EndpointLength } || value is not { Length: > 21 })
            return false;
        var rest = value.AsSpan(21);
        int comma = rest.IndexOf((byte)',');
        if (comma < 0 || !long.TryParse(rest[..comma], out long site))
            return false;
        var at = new PeerEndpoint(BinaryPrimitives.ReadUInt128BigEndian(endpoint), BinaryPrimitives.ReadUInt16BigEndian(endpoint.AsSpan(16)));
        peer = new SampledPeer(at, PeerId20.From(value.AsSpan(0, 20)), value[20] == (byte)'1', site);
        return true;
    }

    public void Dispose() => _redis.Dispose();
}

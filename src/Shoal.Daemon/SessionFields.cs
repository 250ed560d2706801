using System.Text.Json.Nodes;

namespace Shoal.Daemon;

/// <summary>
/// The session settings that session-get reports and session-set changes, each under its
/// Transmission RPC name, bound to <see cref="DaemonSettings"/>. A value of the wrong type or out
/// of range is refused with a clear message before anything changes.
/// </summary>
internal static class SessionFields
{
    private sealed record Field(string Name, Func<DaemonSettings, JsonNode> Get, Action<DaemonSettings, JsonValue>? Set);

    /// <summary>The RPC's names for settings.json's encryption levels 0, 1 and 2.</summary>
    private static readonly string[] EncryptionNames = ["tolerated", "preferred", "required"];

    private const int MaxRate = 100_000_000; // kB/s: far beyond any link, small enough for any arithmetic

    private static readonly Field[] Fields =
    [
        Text("download-dir", s => s.DownloadDir, (s, v) => s.DownloadDir = Path.GetFullPath(v)),
        Flag("start-added-torrents", s => s.StartAddedTorrents, (s, v) => s.StartAddedTorrents = v),
        Number("peer-limit-global", s => s.PeerLimitGlobal, (s, v) => s.PeerLimitGlobal = v, 100_000),
        Number("peer-limit-per-torrent", s => s.PeerLimitPerTorrent, (s, v) => s.PeerLimitPerTorrent = v, 100_000),
        Flag("dht-enabled", s => s.DhtEnabled, null),
        Flag("lpd-enabled", s => s.LpdEnabled, null),
        Flag("pex-enabled", s => s.PexEnabled, null),
        Flag("utp-enabled", s => s.UtpEnabled, null),
        new("encryption", s => EncryptionNames[Math.Clamp(s.Encryption, 0, 2)], (s, v) => s.Encryption =
            v.TryGetValue(out string? name) && Array.IndexOf(EncryptionNames, name) is int level and >= 0
                ? level : throw new RpcException("encryption must be \"required\", \"preferred\" or \"tolerated\"")),
        Number("speed-limit-down", s => s.SpeedLimitDown, (s, v) => s.SpeedLimitDown = v, MaxRate),
        Flag("speed-limit-down-enabled", s => s.SpeedLimitDownEnabled, (s, v) => s.SpeedLimitDownEnabled = v),
        Number("speed-limit-up", s => s.SpeedLimitUp, (s, v) => s.SpeedLimitUp = v, MaxRate),
        Flag("speed-limit-up-enabled", s => s.SpeedLimitUpEnabled, (s, v) => s.SpeedLimitUpEnabled = v),
        Number("alt-speed-down", s => s.AltSpeedDown, (s, v) => s.AltSpeedDown = v, MaxRate),
        Number("alt-speed-up", s => s.AltSpeedUp, (s, v) => s.AltSpeedUp = v, MaxRate),
        Flag("alt-speed-enabled", s => s.AltSpeedEnabled, (s, v) => s.AltSpeedEnabled = v),
        Flag("alt-speed-time-enabled", s => s.AltSpeedTimeEnabled, (s, v) => s.AltSpeedTimeEnabled = v),
        Number("alt-speed-time-begin", s => s.AltSpeedTimeBegin, (s, v) => s.AltSpeedTimeBegin = v, 24 * 60 - 1),
        Number("alt-speed-time-end", s => s.AltSpeedTimeEnd, (s, v) => s.AltSpeedTimeEnd = v, 24 * 60),
        Number("alt-speed-time-day", s => s.AltSpeedTimeDay, (s, v) => s.AltSpeedTimeDay = v, 127),
        Flag("download-queue-enabled", s => s.DownloadQueueEnabled, (s, v) => s.DownloadQueueEnabled = v),
        Number("download-queue-size", s => s.DownloadQueueSize, (s, v) => s.DownloadQueueSize = v, 100_000),
        Flag("seed-queue-enabled", s => s.SeedQueueEnabled, (s, v) => s.SeedQueueEnabled = v),
        Number("seed-queue-size", s => s.SeedQueueSize, (s, v) => s.SeedQueueSize = v, 100_000),
        Flag("queue-stalled-enabled", s => s.QueueStalledEnabled, (s, v) => s.QueueStalledEnabled = v),
        Number("queue-stalled-minutes", s => s.QueueStalledMinutes, (s, v) => s.QueueStalledMinutes = v, 100_000),
        Ratio("seedRatioLimit", s => s.RatioLimit, (s, v) => s.RatioLimit = v),
        Flag("seedRatioLimited", s => s.RatioLimitEnabled, (s, v) => s.RatioLimitEnabled = v),
        Number("idle-seeding-limit", s => s.IdleSeedingLimit, (s, v) => s.IdleSeedingLimit = v, 100_000),
        Flag("idle-seeding-limit-enabled", s => s.IdleSeedingLimitEnabled, (s, v) => s.IdleSeedingLimitEnabled = v),
    ];

    /// <summary>Every field, under its RPC name.</summary>
    public static void Fill(JsonObject into, DaemonSettings settings)
    {
        foreach (var f in Fields)
            into[f.Name] = f.Get(settings);
    }

    /// <summary>Applies the fields that <paramref name="args"/> names (in any spelling); each is checked before any is set.</summary>
    public static void Apply(JsonObject args, DaemonSettings settings, Func<JsonObject, string, JsonNode?> arg)
    {
        var given = Fields.Where(f => f.Set is not null).Select(f => (f, v: arg(args, f.Name))).Where(x => x.v is not null).ToList();
        foreach (var (f, v) in given)
        {
            if (v is not JsonValue)
                throw new RpcException($"{f.Name}: not a single value");
        }
        var probe = DaemonSettings.Scratch();
        foreach (var (f, v) in given)
            f.Set!(probe, (JsonValue)v!); // throws for a bad value, while nothing real has changed
        foreach (var (f, v) in given)
            f.Set!(settings, (JsonValue)v!);
    }

    private static Field Flag(string name, Func<DaemonSettings, bool> get, Action<DaemonSettings, bool>? set) =>
        new(name, s => get(s), set is null ? null : (s, v) => set(s, v.TryGetValue(out bool b) ? b : throw new RpcException($"{name} must be true or false")));

    private static Field Number(string name, Func<DaemonSettings, int> get, Action<DaemonSettings, int> set, int max) =>
        new(name, s => get(s), (s, v) => set(s, v.TryGetValue(out int i) && i >= 0 && i <= max ? i : throw new RpcException($"{name} must be a whole number from 0 to {max}")));

    private static Field Ratio(string name, Func<DaemonSettings, double> get, Action<DaemonSettings, double> set) =>
        new(name, s => get(s), (s, v) => set(s, v.TryGetValue(out double d) && d >= 0 && d <= 1e6 ? d : throw new RpcException($"{name} must be a ratio from 0")));

    private static Field Text(string name, Func<DaemonSettings, string> get, Action<DaemonSettings, string> set) =>
        new(name, s => get(s), (s, v) => set(s, v.TryGetValue(out string? t) && t.Length is > 0 and < 4096 ? t : throw new RpcException($"{name} must be a path")));
}

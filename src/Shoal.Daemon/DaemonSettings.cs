using System.Text.Json;
using System.Text.Json.Nodes;
using Shoal.Storage;

namespace Shoal.Daemon;

/// <summary>
/// The daemon's settings.json, with Transmission's setting names where one exists. Keys we do
/// not know are kept as they are; a missing key has Transmission's default. Saved atomically.
/// </summary>
public sealed class DaemonSettings
{
    public const int MaxBytes = 1 << 20;
    private readonly JsonObject _values;
    private readonly Lock _gate = new();
    private readonly Lock _saveGate = new();

    private DaemonSettings(string path, JsonObject values)
    {
        Path = path;
        _values = values;
    }

    public string Path { get; }

    /// <summary>Reads <paramref name="path"/> (defaults when it does not exist); throws <see cref="InvalidDataException"/> for a file that is not a JSON object.</summary>
    public static DaemonSettings Load(string path)
    {
        if (!File.Exists(path))
            return new DaemonSettings(path, []);
        var info = new FileInfo(path);
        if (info.Length > MaxBytes)
            throw new InvalidDataException($"{path} is over {MaxBytes} bytes");
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) is JsonObject values
                ? new DaemonSettings(path, values)
                : throw new InvalidDataException($"{path} is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Settings that live nowhere, to try values on before the real ones change.</summary>
    internal static DaemonSettings Scratch() => new(System.IO.Path.Combine(System.IO.Path.GetTempPath(), "unsaved-settings.json"), []);

    public void Save()
    {
        lock (_saveGate) // snapshot and write together, so the last write is the newest snapshot
        {
            string text;
            lock (_gate)
                text = _values.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
            AtomicFile.Write(Path, System.Text.Encoding.UTF8.GetBytes(text + "\n"));
        }
    }

    public string DownloadDir
    {
        get => String("download-dir", Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) is { Length: > 0 } home
            ? System.IO.Path.Combine(home, "Downloads") : "/tmp");
        set => Set("download-dir", value);
    }

    public int RpcPort { get => Int("rpc-port", 9091); set => Set("rpc-port", value); }
    public string RpcBindAddress { get => String("rpc-bind-address", "127.0.0.1"); set => Set("rpc-bind-address", value); }
    public bool RpcWhitelistEnabled => Bool("rpc-whitelist-enabled", true);
    public string RpcWhitelist => String("rpc-whitelist", "127.0.0.1,::1");
    public bool RpcHostWhitelistEnabled => Bool("rpc-host-whitelist-enabled", true);
    public string RpcHostWhitelist => String("rpc-host-whitelist", "");
    public int PeerPort { get => Int("peer-port", 51413); set => Set("peer-port", value); }
    /// <summary>Connections over all torrents, and per torrent (a new torrent's; torrent-set's peer-limit changes one).</summary>
    public int PeerLimitGlobal { get => Math.Clamp(Int("peer-limit-global", 500), 1, 100_000); set => Set("peer-limit-global", value); }
    public int PeerLimitPerTorrent { get => Math.Clamp(Int("peer-limit-per-torrent", 60), 1, 100_000); set => Set("peer-limit-per-torrent", value); }
    public bool StartAddedTorrents { get => Bool("start-added-torrents", true); set => Set("start-added-torrents", value); }
    public bool DhtEnabled { get => Bool("dht-enabled", true); set => Set("dht-enabled", value); }
    public bool LpdEnabled { get => Bool("lpd-enabled", true); set => Set("lpd-enabled", value); }

    /// <summary>
    /// Shoal's own key: the DHT nodes to join through, "HOST:PORT" separated by commas or spaces,
    /// or "none" for the saved table alone (a closed network with its own `shoal dht-node`);
    /// absent or empty, the public routers. An entry that is not HOST:PORT is left out.
    /// </summary>
    public IReadOnlyList<string> DhtBootstrap
    {
        get
        {
            string value = String("dht-bootstrap", "").Trim();
            if (value.Length == 0)
                return Dht.DhtOptions.PublicRouters;
            if (value == "none")
                return [];
            return [.. value.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries).Where(Dht.DhtOptions.IsNodeAddress).Take(64)];
        }
    }
    public bool PexEnabled { get => Bool("pex-enabled", true); set => Set("pex-enabled", value); }

    /// <summary>Shoal's own keys: how often followed channels are looked up (seconds), and how many versions before the current one are kept.</summary>
    public int ChannelPollInterval { get => Math.Clamp(Int("channel-poll-interval", 30), 1, 86_400); set => Set("channel-poll-interval", value); }
    public int ChannelKeepVersions { get => Math.Clamp(Int("channel-keep-versions", 1), 0, 100); set => Set("channel-keep-versions", value); }

    /// <summary>The channels the daemon follows (Shoal's "channels": objects with "link", and optionally "feed" and "download-dir"); entries without a link are left out.</summary>
    public IReadOnlyList<ChannelSetting> Channels
    {
        get
        {
            lock (_gate)
            {
                return _values["channels"] is JsonArray list
                    ? [.. list.OfType<JsonObject>().Select(ChannelSetting.From).OfType<ChannelSetting>().Take(ChannelSetting.MaxChannels)]
                    : [];
            }
        }
        set => Set("channels", new JsonArray([.. value.Select(c => (JsonNode)c.ToJson())]));
    }

    /// <summary>uTP (dialled first, TCP when a peer does not answer); off: TCP only. Read at start.</summary>
    public bool UtpEnabled { get => Bool("utp-enabled", true); set => Set("utp-enabled", value); }

    /// <summary>Peer encryption as Transmission's settings.json has it: 0 tolerated, 1 preferred (the default), 2 required.</summary>
    public int Encryption { get => Int("encryption", 1); set => Set("encryption", value); }

    /// <summary>The engine's policy for <see cref="Encryption"/>.</summary>
    public EncryptionPolicy EncryptionPolicy => Encryption switch
    {
        0 => EncryptionPolicy.Tolerate,
        2 => EncryptionPolicy.Require,
        _ => EncryptionPolicy.Prefer,
    };
    public bool WatchDirEnabled => Bool("watch-dir-enabled", false);
    public string WatchDir => String("watch-dir", "");
    public bool RpcAuthenticationRequired => Bool("rpc-authentication-required", false);
    public string RpcUsername => String("rpc-username", "");
    /// <summary>Salted and hashed (see <see cref="PasswordHash"/>); a plain password written by hand is hashed at start.</summary>
    public string RpcPassword { get => String("rpc-password", ""); set => Set("rpc-password", value); }
    /// <summary>Global limits in kB/s (1000 bytes), as Transmission counts them.</summary>
    public int SpeedLimitDown { get => Int("speed-limit-down", 100); set => Set("speed-limit-down", value); }
    public bool SpeedLimitDownEnabled { get => Bool("speed-limit-down-enabled", false); set => Set("speed-limit-down-enabled", value); }
    public int SpeedLimitUp { get => Int("speed-limit-up", 100); set => Set("speed-limit-up", value); }
    public bool SpeedLimitUpEnabled { get => Bool("speed-limit-up-enabled", false); set => Set("speed-limit-up-enabled", value); }
    /// <summary>The alternative ("turtle") limits, in kB/s, and whether they are in force.</summary>
    public int AltSpeedDown { get => Int("alt-speed-down", 50); set => Set("alt-speed-down", value); }
    public int AltSpeedUp { get => Int("alt-speed-up", 50); set => Set("alt-speed-up", value); }
    public bool AltSpeedEnabled { get => Bool("alt-speed-enabled", false); set => Set("alt-speed-enabled", value); }

    /// <summary>The weekly turtle schedule: minutes after local midnight, and the days as bits (1 Sunday ... 64 Saturday).</summary>
    public bool AltSpeedTimeEnabled { get => Bool("alt-speed-time-enabled", false); set => Set("alt-speed-time-enabled", value); }
    public int AltSpeedTimeBegin { get => Int("alt-speed-time-begin", 540); set => Set("alt-speed-time-begin", value); }
    public int AltSpeedTimeEnd { get => Int("alt-speed-time-end", 1020); set => Set("alt-speed-time-end", value); }
    public int AltSpeedTimeDay { get => Int("alt-speed-time-day", 127); set => Set("alt-speed-time-day", value); }

    /// <summary>Queueing: how many torrents download and seed at once, and when a quiet one stops holding its slot.</summary>
    public bool DownloadQueueEnabled { get => Bool("download-queue-enabled", true); set => Set("download-queue-enabled", value); }
    public int DownloadQueueSize { get => Int("download-queue-size", 5); set => Set("download-queue-size", value); }
    public bool SeedQueueEnabled { get => Bool("seed-queue-enabled", false); set => Set("seed-queue-enabled", value); }
    public int SeedQueueSize { get => Int("seed-queue-size", 10); set => Set("seed-queue-size", value); }
    public bool QueueStalledEnabled { get => Bool("queue-stalled-enabled", true); set => Set("queue-stalled-enabled", value); }
    public int QueueStalledMinutes { get => Int("queue-stalled-minutes", 30); set => Set("queue-stalled-minutes", value); }

    /// <summary>When seeding stops for every torrent that follows the global limits: at a ratio, or after minutes without traffic.</summary>
    public double RatioLimit { get => Double("ratio-limit", 2.0); set => Set("ratio-limit", value); }
    public bool RatioLimitEnabled { get => Bool("ratio-limit-enabled", false); set => Set("ratio-limit-enabled", value); }
    public int IdleSeedingLimit { get => Int("idle-seeding-limit", 30); set => Set("idle-seeding-limit", value); }
    public bool IdleSeedingLimitEnabled { get => Bool("idle-seeding-limit-enabled", false); set => Set("idle-seeding-limit-enabled", value); }

    public QueueLimits Queue => new(DownloadQueueEnabled ? DownloadQueueSize : null, SeedQueueEnabled ? SeedQueueSize : null,
        QueueStalledEnabled ? TimeSpan.FromMinutes(QueueStalledMinutes) : null);

    /// <summary>Bytes per second down and up now (0: no limit): the alternative limits when on, else the enabled global ones.</summary>
    public (long Down, long Up) EffectiveLimits() => AltSpeedEnabled
        ? (AltSpeedDown * 1000L, AltSpeedUp * 1000L)
        : (SpeedLimitDownEnabled ? SpeedLimitDown * 1000L : 0, SpeedLimitUpEnabled ? SpeedLimitUp * 1000L : 0);

    private string String(string key, string fallback)
    {
        lock (_gate)
            return _values[key] is JsonValue v && v.TryGetValue(out string? s) ? s : fallback;
    }

    private int Int(string key, int fallback)
    {
        lock (_gate)
            return _values[key] is JsonValue v && v.TryGetValue(out int i) ? i : fallback;
    }

    private double Double(string key, double fallback)
    {
        lock (_gate)
            return _values[key] is JsonValue v && v.TryGetValue(out double d) ? d : fallback;
    }

    private bool Bool(string key, bool fallback)
    {
        lock (_gate)
            return _values[key] is JsonValue v && v.TryGetValue(out bool b) ? b : fallback;
    }

    private void Set(string key, JsonNode value)
    {
        lock (_gate)
            _values[key] = value;
    }
}

using System.Net;

namespace Shoal.Cli.Commands;

/// <summary>What `get` and `seed` ask for.</summary>
public sealed record TransferSettings
{
    public required IReadOnlyList<string> Torrents { get; init; }
    public required string OutputDirectory { get; init; }
    public long MaxDown { get; init; }
    public long MaxUp { get; init; }
    public IReadOnlyList<string> Only { get; init; } = [];
    public bool Sequential { get; init; }
    public bool Seed { get; init; }
    /// <summary>Superseed (BEP 16) while seeding: for the first seed of a new torrent with a small uplink.</summary>
    public bool SuperSeed { get; init; }
    /// <summary>Superseed only until the peers together hold every piece, then seed as usual.</summary>
    public bool InitialSeed { get; init; }
    public double? SeedRatio { get; init; }
    public TimeSpan? SeedTime { get; init; }
    public IReadOnlyList<IPEndPoint> Peers { get; init; } = [];
    public int? Port { get; init; }
    /// <summary>Connections per torrent (`--max-peers`); null: the engine's defaults.</summary>
    public int? MaxPeers { get; init; }
    public IPAddress[] Bind { get; init; } = [IPAddress.IPv6Any];
    public bool Json { get; init; }
    public TimeSpan? AnnounceInterval { get; init; }
    public bool Preallocate { get; init; }
    public bool PeerExchange { get; init; } = true;
    /// <summary>The DHT node's settings; null for no DHT.</summary>
    public Shoal.Dht.DhtOptions? Dht { get; init; }
    /// <summary>The HTTP(S) feed of the one channel link given (`get --feed`).</summary>
    public Uri? ChannelFeed { get; init; }
    /// <summary>Local service discovery (BEP 14).</summary>
    public bool Lsd { get; init; }
    /// <summary>Whether peer connections are encrypted (MSE).</summary>
    public EncryptionPolicy Encryption { get; init; } = EncryptionPolicy.Prefer;
    /// <summary>Which transports peers are dialled over.</summary>
    public TransportPolicy Transport { get; init; } = TransportPolicy.Both;
    public SiteMap Sites { get; init; } = SiteMap.Default;
    /// <summary>Where to write a copy of the torrent once its metadata is known (a magnet's, fetched from peers).</summary>
    public string? SaveTorrent { get; init; }
    public Microsoft.Extensions.Logging.LogLevel LogLevel { get; init; } = Microsoft.Extensions.Logging.LogLevel.Warning;
}

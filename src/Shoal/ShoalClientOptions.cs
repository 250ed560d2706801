using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Shoal.Peers;

namespace Shoal;

/// <summary>Settings shared by every torrent of a <see cref="ShoalClient"/>.</summary>
public sealed record ShoalClientOptions
{
    /// <summary>Addresses to listen on; the default listens on every IPv4 and IPv6 address.</summary>
    public IReadOnlyList<IPAddress> ListenAddresses { get; init; } = [IPAddress.IPv6Any];
    /// <summary>TCP port for incoming peers; 0 picks a free one.</summary>
    public int Port { get; init; }
    /// <summary>Bytes per second for all torrents together; 0 for no limit.</summary>
    public long MaxDownloadRate { get; init; }
    /// <summary>Upload limit for all torrents together, bytes per second (0: none).</summary>
    public long MaxUploadRate { get; init; }
    /// <summary>The most peer connections open at once, over all torrents.</summary>
    public int MaxConnections { get; init; } = 500;

    /// <summary>
    /// Bytes of what seeding reads kept in memory for the next peers that ask for the same pieces
    /// (<see cref="ShoalClient.ReadCacheHits"/>); 0 turns it off.
    /// </summary>
    public long ReadCacheSize { get; init; } = 32L << 20;
    /// <summary>Outgoing connections that may be in progress at once.</summary>
    public int MaxHalfOpen { get; init; } = 32;
    /// <summary>How long a connection attempt and its handshake may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Where resume data is kept (one file per torrent).</summary>
    public string ResumeDirectory { get; init; } = DefaultStateDirectory("resume");
    /// <summary>First UDP tracker timeout (BEP 15 says 15 s); shorter in tests.</summary>
    public TimeSpan? UdpTrackerTimeout { get; init; }
    /// <summary>The clock of every timer and rate (a fake one in tests).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
    /// <summary>Seed for the swarm's random choices; null for a random one.</summary>
    public int? RandomSeed { get; init; }
    /// <summary>Our 20-byte peer id; a fresh random one with Shoal's prefix when null.</summary>
    public byte[]? PeerId { get; init; }
    /// <summary>Where the engine logs (connections, bans, tracker errors); nothing by default.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;
    /// <summary>
    /// The dialling order's hook: given a peer and its BEP 40 canonical priority, its rank (higher
    /// is dialled first). Null keeps the canonical priority; locality ranks same-site peers first.
    /// </summary>
    public Func<IPEndPoint, uint, long>? PeerRanking { get; init; }
    /// <summary>
    /// Which addresses are our own site (office, LAN): a peer of the site of one of our addresses
    /// (or found by LSD) is local. Local peers are dialled first, get upload slots of their own,
    /// and a piece some local peer has (or will fetch: pieces are shared out among the site's
    /// peers) is not fetched from afar, so each piece crosses the site's WAN link about once.
    /// The default makes each /24 (IPv4) or /64 (IPv6) a site.
    /// </summary>
    public SiteMap Sites { get; init; } = SiteMap.Default;
    /// <summary>A DHT node (BEP 5) on the client's UDP port, finding and announcing non-private torrents; null for none (the default).</summary>
    public Dht.DhtOptions? Dht { get; init; }
    /// <summary>Local service discovery (BEP 14) for non-private torrents; null for none (the default).</summary>
    public Discovery.LsdOptions? Lsd { get; init; }
    /// <summary>
    /// Watch the machine's addresses: when they change, every running torrent announces again at
    /// once (trackers, DHT, LSD) and the DHT joins again. Off by default (a library's host may
    /// have its own view); the daemon and the command line turn it on.
    /// </summary>
    public bool WatchNetwork { get; init; }
    /// <summary>BEP 19 web seeds: a torrent's url-list servers are asked for data like peers.</summary>
    public bool WebSeeds { get; init; } = true;
    /// <summary>How peers are dialled: uTP first with TCP when it fails, but TCP first to peers of our own site (the default), uTP only, or TCP only (and no uTP at all).</summary>
    public TransportPolicy Transport { get; init; } = TransportPolicy.Both;
    /// <summary>Message Stream Encryption for peer connections (default: prefer it, accept plain).</summary>
    public EncryptionPolicy Encryption { get; init; } = EncryptionPolicy.Prefer;
    /// <summary>BEP 11 peer exchange with peers of non-private torrents.</summary>
    public bool PeerExchange { get; init; } = true;

    /// <summary>$SHOAL_STATE_DIR, else $XDG_STATE_HOME/shoal, else ~/.local/state/shoal; plus <paramref name="name"/>.</summary>
    public static string DefaultStateDirectory(string name)
    {
        string? root = Environment.GetEnvironmentVariable("SHOAL_STATE_DIR");
        if (string.IsNullOrEmpty(root))
        {
            string? xdg = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
            root = !string.IsNullOrEmpty(xdg) ? Path.Combine(xdg, "shoal")
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state", "shoal");
        }
        return Path.Combine(root, name);
    }
}

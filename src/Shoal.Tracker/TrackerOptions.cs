using System.Net;
using Microsoft.Extensions.Logging;

namespace Shoal.Tracker;

/// <summary>How a <see cref="TrackerServer"/> serves: addresses, port, allow-list, sites, state, intervals, privacy.</summary>
public sealed record TrackerOptions
{
    /// <summary>Addresses to serve on; HTTP and UDP share each address and the port.</summary>
    public IReadOnlyList<IPAddress> Bind { get; init; } = [IPAddress.Loopback, IPAddress.IPv6Loopback];
    public int Port { get; init; } = 6969;
    /// <summary>A file of 40-hex info-hashes, one a line; null serves every torrent. Reloaded when it changes.</summary>
    public string? AllowListPath { get; init; }
    /// <summary>A site file ("CIDR NAME" lines); without one, each /24 or /64 is a site.</summary>
    public string? SitesPath { get; init; }
    /// <summary>Where swarms live: null in this process, or redis://HOST:PORT[/DB] so several tracker processes share them.</summary>
    public string? Store { get; init; }
    /// <summary>Where completed counts are kept across restarts (saved every minute and on stop); in-process store only (Redis keeps its own).</summary>
    public string? StatePath { get; init; }
    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(30);
    public TimeSpan MinInterval { get; init; } = TimeSpan.FromMinutes(1);
    /// <summary>Take the announce's 'ip' parameter instead of the connection's address (behind a trusted proxy).</summary>
    public bool TrustIpParameter { get; init; }
    /// <summary>Answer /scrape without info_hash with every torrent (capped).</summary>
    public bool FullScrape { get; init; } = true;
    public LogLevel LogLevel { get; init; } = LogLevel.Information;
    /// <summary>Private mode: announces need a user's passkey in the path (/announce/KEY); users live in this SQLite file.</summary>
    public string? PrivateDbPath { get; init; }
}

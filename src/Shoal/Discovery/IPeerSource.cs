using System.Net;
using Shoal.Metainfo;
using Shoal.Peers;

namespace Shoal.Discovery;

/// <summary>What a torrent tells its peer sources when they announce.</summary>
public readonly record struct AnnounceStats(long Uploaded, long Downloaded, long Left, bool Complete);

/// <summary>The torrent as its peer sources see it.</summary>
public interface IPeerSourceHost
{
    InfoHashes InfoHashes { get; }
    bool IsPrivate { get; }
    IReadOnlyList<IReadOnlyList<string>> Trackers { get; }
    AnnounceStats GetAnnounceStats();
    /// <summary>Hands addresses to the torrent's peer list.</summary>
    void AddPeers(IEnumerable<IPEndPoint> peers, PeerSources source, PeerTraits traits = PeerTraits.None);
    /// <summary>A source's latest error (null when it works again), for the status.</summary>
    void ReportSourceError(string source, string? error);
}

/// <summary>
/// A way of finding peers for one torrent (trackers today; DHT, PEX and LSD later): it runs
/// while the torrent runs and hands addresses to the host.
/// </summary>
public interface IPeerSource
{
    string Name { get; }
    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled, then says goodbye briefly (a tracker 'stopped').</summary>
    Task RunAsync(CancellationToken cancellationToken);
    /// <summary>Something changed (the download completed, the network changed): announce soon.</summary>
    void Nudge();
}

/// <summary>Makes a torrent's source of one kind, or null when that kind does not apply (no trackers, a private torrent).</summary>
public delegate IPeerSource? PeerSourceFactory(IPeerSourceHost host, ShoalClient client, TorrentOptions options);

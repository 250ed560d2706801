using System.Net;
using Shoal.Metainfo;
using Shoal.Peers;

namespace Shoal.Discovery;

/// <summary>The torrent as its peer sources see it.</summary>
internal interface IPeerSourceHost
{
    InfoHashes InfoHashes { get; }
    bool IsPrivate { get; }
    /// <summary>The trackers in BEP 12 tiers; a new list (not the same instance) when the user changes them.</summary>
    IReadOnlyList<IReadOnlyList<string>> Trackers { get; }
    /// <summary>Where the tracker source records each tracker's outcome.</summary>
    TrackerLog TrackerLog { get; }
    AnnounceStats GetAnnounceStats();
    /// <summary>Hands addresses to the torrent's peer list.</summary>
    void AddPeers(IEnumerable<IPEndPoint> peers, PeerSources source, PeerTraits traits = PeerTraits.None);
    /// <summary>A source's latest error (null when it works again), for the status.</summary>
    void ReportSourceError(string source, string? error);
}

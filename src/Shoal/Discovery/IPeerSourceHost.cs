using System.Net;
using Shoal.Metainfo;

namespace Shoal.Discovery;

/// <summary>
/// The torrent as its peer sources see it: what to look for, whether it may be told to anyone
/// (a private torrent never is), and where found addresses and web seeds go. The engine's own
/// sources (trackers, the DHT, local discovery, PEX, web seeds) and any registered with
/// <see cref="ShoalClient.AddPeerSource"/> get the same host.
/// </summary>
public interface IPeerSourceHost
{
    /// <summary>The info-hashes to look for (v1, v2 or both).</summary>
    InfoHashes InfoHashes { get; }

    /// <summary>A private torrent (BEP 27): its peers come from its trackers only; a source that would tell others of it must not run.</summary>
    bool IsPrivate { get; }

    /// <summary>The trackers in BEP 12 tiers; a new list (not the same instance) when the user changes them.</summary>
    IReadOnlyList<IReadOnlyList<string>> Trackers { get; }

    /// <summary>Hands addresses to the torrent's peer list (bounded, deduplicated, ranked); they count under <paramref name="origin"/>. Any thread.</summary>
    void AddPeers(IEnumerable<IPEndPoint> peers, PeerOrigin origin);

    /// <summary>
    /// Hands over web seeds (BEP 19 url-list URLs; at most eight, deduplicated, unusable ones
    /// dropped): each becomes a peer that has every piece once the metadata is known, while the
    /// torrent downloads. Any thread.
    /// </summary>
    void AddWebSeeds(IEnumerable<string> urls);

    /// <summary>A source's latest error (null when it works again), shown in the torrent's status.</summary>
    void ReportSourceError(string source, string? error);
}

/// <summary>What the engine's own sources also use: the tracker log, announce statistics, and peers with their traits.</summary>
internal interface IEngineSourceHost : IPeerSourceHost
{
    /// <summary>Where the tracker source records each tracker's outcome.</summary>
    TrackerLog TrackerLog { get; }
    AnnounceStats GetAnnounceStats();
    /// <summary>Hands addresses to the torrent's peer list with what is known of them.</summary>
    void AddPeers(IEnumerable<IPEndPoint> peers, Peers.PeerSources source, Peers.PeerTraits traits = Peers.PeerTraits.None);
    /// <summary>Hands over web seeds of either kind (BEP 17 httpseeds besides BEP 19's url-list).</summary>
    void AddWebSeeds(IEnumerable<string> urls, WebSeeds.WebSeedKind kind);
}

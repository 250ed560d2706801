namespace Shoal.Peers;

/// <summary>Where an address came from (a peer may have several sources).</summary>
[Flags]
internal enum PeerSources
{
    None = 0,
    Manual = 1,
    Tracker = 2,
    Dht = 4,
    Pex = 8,
    Lsd = 16,
    /// <summary>It connected to us and told us its listening port.</summary>
    Incoming = 32,
    /// <summary>Connected in an earlier run (the torrent's peer cache).</summary>
    Cache = 64,
}

internal static class PeerSourcesExtensions
{
    /// <summary>The origin a dialled address counts under: the best of its sources, in <see cref="PeerOrigin"/>'s order.</summary>
    public static PeerOrigin Origin(this PeerSources sources) =>
        (sources & PeerSources.Lsd) != 0 ? PeerOrigin.Lsd
        : (sources & PeerSources.Tracker) != 0 ? PeerOrigin.Tracker
        : (sources & PeerSources.Dht) != 0 ? PeerOrigin.Dht
        : (sources & PeerSources.Pex) != 0 ? PeerOrigin.Pex
        : (sources & PeerSources.Cache) != 0 ? PeerOrigin.Cache
        : (sources & PeerSources.Incoming) != 0 ? PeerOrigin.Ltep
        : PeerOrigin.User;
}

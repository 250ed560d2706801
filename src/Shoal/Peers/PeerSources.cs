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

    /// <summary>The source (and what it says of the address) that a peer source's <paramref name="origin"/> stands for; the user's for anything else.</summary>
    public static (PeerSources Source, PeerTraits Traits) Source(this PeerOrigin origin) => origin switch
    {
        PeerOrigin.Tracker => (PeerSources.Tracker, PeerTraits.None),
        PeerOrigin.Dht => (PeerSources.Dht, PeerTraits.None),
        PeerOrigin.Pex => (PeerSources.Pex, PeerTraits.None),
        PeerOrigin.Lsd => (PeerSources.Lsd, PeerTraits.Local),
        PeerOrigin.Cache => (PeerSources.Cache, PeerTraits.None),
        PeerOrigin.Ltep or PeerOrigin.Incoming => (PeerSources.Incoming, PeerTraits.None),
        _ => (PeerSources.Manual, PeerTraits.None),
    };
}

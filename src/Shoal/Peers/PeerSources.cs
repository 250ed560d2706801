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
}

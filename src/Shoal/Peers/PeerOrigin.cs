namespace Shoal;

/// <summary>
/// How a connection came about: the peer dialled us, or we dialled an address we learned from a
/// source. An address known from several sources counts once, by the first of these that gave it
/// in this order (Transmission's order): local discovery, a tracker, the DHT, peer exchange, the
/// resume cache, an extension handshake's listen port; then the user's own.
/// </summary>
public enum PeerOrigin
{
    /// <summary>It connected to us.</summary>
    Incoming,
    /// <summary>Local service discovery (BEP 14).</summary>
    Lsd,
    /// <summary>A tracker's answer.</summary>
    Tracker,
    /// <summary>The DHT (BEP 5).</summary>
    Dht,
    /// <summary>Peer exchange (BEP 11).</summary>
    Pex,
    /// <summary>The peers remembered from an earlier run.</summary>
    Cache,
    /// <summary>The listen port a peer that connected to us gave in its extension handshake (BEP 10).</summary>
    Ltep,
    /// <summary>Given by the user (an option, a magnet's x.pe, <see cref="TorrentSession.AddPeer"/>).</summary>
    User,
    /// <summary>A web seed (BEP 19 or 17), not a peer-wire connection.</summary>
    WebSeed,
}

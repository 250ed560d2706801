using System.Net;

namespace Shoal.Peers;

/// <summary>One address a torrent may dial, with what is known about it.</summary>
internal sealed class KnownPeer(IPEndPoint endPoint, long firstSeen)
{
    public IPEndPoint EndPoint { get; } = endPoint;
    public PeerSources Sources { get; set; }
    public PeerTraits Traits { get; set; }
    public int Failures { get; set; }
    public long LastAttempt { get; set; } = long.MinValue;
    public long LastSeen { get; set; } = firstSeen;
    /// <summary>When a connection to it was last made (0: never), for the peer cache.</summary>
    public long LastConnected { get; set; }
    /// <summary>A connection to it is open or being opened.</summary>
    public bool InUse { get; set; }
    /// <summary>It is us (our own listening address, or it answered with our peer id).</summary>
    public bool Self { get; set; }
    public bool Banned { get; set; }
    /// <summary>Dial order: higher first (<see cref="BaseRank"/>, raised for a peer found on the local network).</summary>
    public long Rank { get; set; }
    /// <summary>The rank before the local raise: the engine's (BEP 40, our site), or the user's ranking once it has run.</summary>
    public long BaseRank { get; set; }
}

using System.Net;
using Shoal.Net;

namespace Shoal;

/// <summary>A snapshot of one connected peer.</summary>
public sealed record PeerInfo(IPEndPoint EndPoint, string Client, double Progress, long DownRate, long UpRate,
    bool AmChoking, bool PeerChoking, bool AmInterested, bool PeerInterested, bool Outgoing, bool Snubbed = false)
{
    /// <summary>A BEP 19 web seed (an HTTP server), not a peer-wire connection; <see cref="WebSeedUrl"/> is its URL.</summary>
    public bool IsWebSeed => WebSeedUrl is not null;
    /// <summary>The web seed's URL, or null for a peer-wire connection.</summary>
    public string? WebSeedUrl { get; init; }
    /// <summary>How the bytes travel: TCP, uTP or a transport of yours, with any MSE over it; HTTP for a web seed.</summary>
    public PeerTransport Transport { get; init; } = PeerTransport.Tcp;
    /// <summary>How the connection came about: it dialled us, or the source that gave us its address.</summary>
    public PeerOrigin Origin { get; init; }
    /// <summary>Whether the connection is RC4-encrypted (MSE).</summary>
    public bool Encrypted => Transport.Encrypted;
}

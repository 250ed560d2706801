using System.Net;

namespace Shoal;

/// <summary>A snapshot of one connected peer.</summary>
public sealed record PeerInfo(IPEndPoint EndPoint, string Client, double Progress, long DownRate, long UpRate,
    bool AmChoking, bool PeerChoking, bool AmInterested, bool PeerInterested, bool Outgoing, bool Snubbed = false);

using System.Net;

namespace Shoal.Dht;

/// <summary>
/// What an iterative lookup found: peers (get_peers), the closest nodes that answered with their
/// tokens, how many queries it sent, how long it took, and for an announce how many accepted it.
/// </summary>
internal sealed record LookupResult(IReadOnlyList<IPEndPoint> Peers, IReadOnlyList<(DhtNode Node, byte[]? Token)> Closest, int Queries, TimeSpan Elapsed)
{
    public int AnnouncedTo { get; init; }
}

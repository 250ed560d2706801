using System.Net;
using System.Net.Sockets;
using Shoal.Net;

namespace Shoal.Dht;

/// <summary>The node's iterative lookups: get_peers (collecting peers), find_node, any other query, and the announce after a get_peers.</summary>
public sealed partial class DhtService
{
    /// <summary>The most peers one get_peers lookup collects.</summary>
    internal const int MaxLookupPeers = 2_000;

    /// <summary>Finds peers of <paramref name="infoHash"/> (and the closest nodes, with their tokens).</summary>
    internal async Task<LookupResult> GetPeersAsync(NodeId infoHash, AddressFamily family, CancellationToken cancellationToken)
    {
        var peers = new HashSet<IPEndPoint>();
        var lookup = await LookupAsync(infoHash, Query("get_peers") with { InfoHash = infoHash }, family, Closest(infoHash, family, RoutingTable.K * 2),
            answer =>
            {
                foreach (var peer in answer.Values)
                {
                    if (peers.Count < MaxLookupPeers && EndPoints.IsPeerAddress(peer))
                        peers.Add(EndPoints.Normalize(peer));
                }
            }, cancellationToken).ConfigureAwait(false);
        return lookup with { Peers = [.. peers] };
    }

    internal Task<LookupResult> FindNodeAsync(NodeId target, AddressFamily family, CancellationToken cancellationToken) =>
        FindNodeAsync(target, family, Closest(target, family, RoutingTable.K * 2), cancellationToken);

    internal Task<LookupResult> FindNodeAsync(NodeId target, AddressFamily family, IEnumerable<DhtNode> start, CancellationToken cancellationToken) =>
        LookupAsync(target, Query("find_node") with { Target = target }, family, start, null, cancellationToken);

    /// <summary>An iterative lookup of <paramref name="target"/> sending <paramref name="query"/>, each answer to <paramref name="onAnswer"/>.</summary>
    internal async Task<LookupResult> LookupAsync(NodeId target, KrpcMessage query, AddressFamily family, IEnumerable<DhtNode> start,
        Action<KrpcMessage>? onAnswer, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _counters.Lookups);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        return await new DhtLookup(this, target, family, query, onAnswer).RunAsync(start, linked.Token).ConfigureAwait(false);
    }

    /// <summary>
    /// Looks <paramref name="infoHash"/> up and announces us (at <paramref name="port"/>) to the
    /// closest nodes that gave a token; returns the lookup (the peers found on the way).
    /// </summary>
    internal async Task<LookupResult> AnnounceAsync(NodeId infoHash, int port, AddressFamily family, CancellationToken cancellationToken)
    {
        var lookup = await GetPeersAsync(infoHash, family, cancellationToken).ConfigureAwait(false);
        if (Options.ReadOnly)
            return lookup;
        var announces = lookup.Closest.Where(c => c.Token is not null).Select(c => QueryAsync(c.Node.EndPoint,
            Query("announce_peer") with { InfoHash = infoHash, Port = port, Token = c.Token }, c.Node.Id, cancellationToken));
        var answers = await Task.WhenAll(announces).ConfigureAwait(false);
        int accepted = answers.Count(a => a?.Kind == KrpcKind.Response);
        Interlocked.Add(ref _counters.Announces, accepted);
        return lookup with { AnnouncedTo = accepted };
    }
}

using System.Net;
using System.Net.Sockets;
using Shoal.Net;

namespace Shoal.Dht;

/// <summary>
/// Answers the queries of other nodes: ping, find_node, get_peers (a token, the peers we know,
/// ourselves for a torrent we take part in, and the closest nodes), announce_peer (with a valid token), sample_infohashes (BEP 51); other
/// methods get error 204 and bad arguments 203. Each source is rate-limited before any work, a
/// read-only node (BEP 43) answers nobody, and every reply carries the asker's address (BEP 42).
/// </summary>
internal sealed class DhtResponder(DhtService dht, SourceRateLimit limit)
{
    public const int MaxValues = 50;
    public const int MaxSamples = 20;
    public const int SampleInterval = 300;

    public void Answer(KrpcMessage query, IPEndPoint from, IPAddress localAddress)
    {
        Interlocked.Increment(ref dht.Counters.QueriesReceived);
        if (dht.Options.ReadOnly)
            return;
        if (!limit.TryTake(from.Address))
        {
            Interlocked.Increment(ref dht.Counters.QueriesDropped);
            return;
        }
        if (!query.ReadOnly && query.Id is { } id)
            dht.Seen(id, from, responded: false);
        var reply = Reply(query, from, localAddress) with { ExternalIp = from };
        dht.Send(reply.Encode(), from);
    }

    private KrpcMessage Reply(KrpcMessage query, IPEndPoint from, IPAddress localAddress)
    {
        var t = query.TransactionId;
        var ok = KrpcMessage.Response(t, dht.Id);
        switch (query.Method)
        {
            case "ping":
                return ok;
            case "find_node":
                return query.Target is { } target ? WithNodes(ok, target, query, from) : Error(t, "find_node without a target");
            case "get_peers":
                if (query.InfoHash is not { } hash)
                    return Error(t, "get_peers without an info_hash");
                var values = dht.Store.Get(hash, from.AddressFamily, MaxValues, dht.Random);
                // We take part in it: we are one of its peers, at the address this query came to.
                if (dht.LocalPort(hash) is int ours && localAddress.AddressFamily == from.AddressFamily && !localAddress.Equals(IPAddress.Any)
                    && !localAddress.Equals(IPAddress.IPv6Any))
                    values = [new IPEndPoint(localAddress, ours), .. values.Take(MaxValues - 1)];
                return WithNodes(ok with { Token = dht.Tokens.Issue(from.Address), Values = values }, hash, query, from);
            case "announce_peer":
                if (query.InfoHash is not { } announced)
                    return Error(t, "announce_peer without an info_hash");
                if (!dht.Tokens.IsValid(query.Token, from.Address))
                    return Error(t, "bad token");
                int port = query.ImpliedPort ? from.Port : query.Port ?? 0;
                var peer = new IPEndPoint(from.Address, port);
                if (!EndPoints.IsPeerAddress(peer))
                    return Error(t, "bad port");
                dht.Store.Add(announced, peer);
                return ok;
            case "sample_infohashes":
                if (query.Target is not { } around)
                    return Error(t, "sample_infohashes without a target");
                var (samples, total) = dht.Store.Sample(MaxSamples, dht.Random);
                return WithNodes(ok with { Samples = samples, Interval = SampleInterval, Num = total }, around, query, from);
            default:
                return KrpcMessage.Error(t, 204, "Method Unknown");
        }
    }

    /// <summary>The closest nodes to <paramref name="target"/>: of the asker's family, or those its BEP 32 'want' names.</summary>
    private KrpcMessage WithNodes(KrpcMessage reply, NodeId target, KrpcMessage query, IPEndPoint from)
    {
        bool want4 = query.Want.Contains("n4") || (query.Want.Count == 0 && from.AddressFamily == AddressFamily.InterNetwork);
        bool want6 = query.Want.Contains("n6") || (query.Want.Count == 0 && from.AddressFamily == AddressFamily.InterNetworkV6);
        return reply with
        {
            Nodes = want4 ? dht.Closest(target, AddressFamily.InterNetwork) : [],
            Nodes6 = want6 ? dht.Closest(target, AddressFamily.InterNetworkV6) : [],
        };
    }

    private static KrpcMessage Error(byte[] transaction, string text) => KrpcMessage.Error(transaction, 203, text);
}

using System.Net;
using System.Net.Sockets;
using Shoal.Net;

namespace Shoal.Dht;

/// <summary>
/// The node's own methods, as handlers: ping, find_node, get_peers (a token, the peers we know,
/// ourselves for a torrent we take part in, and the closest nodes), announce_peer (with a valid
/// token) and sample_infohashes (BEP 51).
/// </summary>
internal static class DhtPeerQueries
{
    public const int MaxValues = 50;
    public const int MaxSamples = 20;
    public const int SampleInterval = 300;

    public static void Register(DhtService dht)
    {
        dht.Handle("ping", dht.Reply);
        dht.Handle("find_node", q => q.Message.Target is { } target ? dht.WithNodes(dht.Reply(q), target, q) : q.BadArguments("find_node without a target"));
        dht.Handle("get_peers", q => GetPeers(dht, q));
        dht.Handle("announce_peer", q => AnnouncePeer(dht, q));
        dht.Handle("sample_infohashes", q => SampleInfohashes(dht, q));
    }

    private static KrpcMessage GetPeers(DhtService dht, KrpcQuery q)
    {
        if (q.Message.InfoHash is not { } hash)
            return q.BadArguments("get_peers without an info_hash");
        var (from, localAddress) = (q.From, q.LocalAddress);
        var values = dht.Store.Get(hash, from.AddressFamily, MaxValues, dht.Random);
        // We take part in it: we are one of its peers, at the address this query came to.
        if (dht.LocalPort(hash) is int ours && localAddress.AddressFamily == from.AddressFamily && !localAddress.Equals(IPAddress.Any)
            && !localAddress.Equals(IPAddress.IPv6Any))
            values = [new IPEndPoint(localAddress, ours), .. values.Take(MaxValues - 1)];
        return dht.WithNodes(dht.Reply(q) with { Token = dht.Tokens.Issue(from.Address), Values = values }, hash, q);
    }

    private static KrpcMessage AnnouncePeer(DhtService dht, KrpcQuery q)
    {
        if (q.Message.InfoHash is not { } announced)
            return q.BadArguments("announce_peer without an info_hash");
        if (!dht.Tokens.IsValid(q.Message.Token, q.From.Address))
            return q.BadArguments("bad token");
        int port = q.Message.ImpliedPort ? q.From.Port : q.Message.Port ?? 0;
        var peer = new IPEndPoint(q.From.Address, port);
        if (!EndPoints.IsPeerAddress(peer))
            return q.BadArguments("bad port");
        dht.Store.Add(announced, peer);
        return dht.Reply(q);
    }

    private static KrpcMessage SampleInfohashes(DhtService dht, KrpcQuery q)
    {
        if (q.Message.Target is not { } around)
            return q.BadArguments("sample_infohashes without a target");
        var (samples, total) = dht.Store.Sample(MaxSamples, dht.Random);
        return dht.WithNodes(dht.Reply(q) with { Samples = samples, Interval = SampleInterval, Num = total }, around, q);
    }
}

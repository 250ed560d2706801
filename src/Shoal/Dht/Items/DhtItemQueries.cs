using Shoal.Bencode;

namespace Shoal.Dht.Items;

/// <summary>
/// BEP 44's methods, registered beside the node's own: <c>get</c> answers a token, the closest
/// nodes and the item stored under the target (a mutable item's value only when it is newer than
/// the sequence number asked for); <c>put</c> takes an item with a valid token, checks it
/// (sizes, signature, salt) and stores it under the store's rules (sequence forward, cas, bounded).
/// </summary>
internal static class DhtItemQueries
{
    public static void Register(DhtService dht)
    {
        dht.Handle("get", q => Get(dht, q));
        dht.Handle("put", q => Put(dht, q));
    }

    private static KrpcMessage Get(DhtService dht, KrpcQuery q)
    {
        if (q.Message.Target is not { } target)
            return q.BadArguments("get without a target");
        var reply = dht.WithNodes(dht.Reply(q) with { Token = dht.Tokens.Issue(q.From.Address) }, target, q);
        if (dht.ItemStore.Get(target) is not { } item)
            return reply;
        if (item.IsMutable && q.Message.Arguments?["seq"] is BInteger known && known.Value >= item.Sequence)
            return reply with { Extra = new BDictionary().Set("seq", item.Sequence) }; // the asker has it already
        return reply with { Extra = DhtItemWire.Write(item, put: false) };
    }

    private static KrpcMessage Put(DhtService dht, KrpcQuery q)
    {
        if (!dht.Tokens.IsValid(q.Message.Token, q.From.Address))
        {
            Interlocked.Increment(ref dht.Counters.PutsRefused);
            return q.BadArguments("bad token");
        }
        var arguments = q.Message.Arguments!;
        DhtItem? item;
        try
        {
            item = DhtItemWire.Read(arguments, DhtItemWire.Salt(arguments));
        }
        catch (DhtItemException e)
        {
            Interlocked.Increment(ref dht.Counters.PutsRefused);
            return q.Refuse(e.Code, e.Message);
        }
        if (item is null)
            return q.BadArguments("put without a value");
        long? cas = arguments["cas"] is BInteger c ? c.Value : null;
        if (dht.ItemStore.Put(item, cas) is { } refused)
        {
            Interlocked.Increment(ref dht.Counters.PutsRefused);
            return q.Refuse(refused.Code, refused.Message);
        }
        Interlocked.Increment(ref dht.Counters.PutsStored);
        return dht.Reply(q);
    }
}

using System.Net.Sockets;
using Shoal.Bencode;

namespace Shoal.Dht.Items;

/// <summary>What a BEP 44 get found: the item (for a mutable one, the newest that verified), the closest nodes with their write tokens, and how many answers held an item that did not verify.</summary>
internal sealed record ItemLookup(DhtItem? Item, IReadOnlyList<(DhtNode Node, byte[]? Token)> Closest, int Forged, int Queries);

/// <summary>What a BEP 44 put did: how many of the closest nodes stored the item, and the errors of those that refused.</summary>
internal sealed record ItemPut(int Stored, IReadOnlyList<(int Code, string Message)> Refusals);

/// <summary>
/// BEP 44 from the asking side: a get is an iterative lookup of the target that sends <c>get</c>
/// and keeps the item whose hash (immutable) or key, salt and signature (mutable) fit the target,
/// the newest when several are found; a put sends the item to the closest nodes that gave a
/// token. Both run on every address family the node has nodes of.
/// </summary>
internal static class DhtItemClient
{
    public static async Task<ItemLookup> GetAsync(DhtService dht, NodeId target, ReadOnlyMemory<byte> salt, CancellationToken cancellationToken)
    {
        DhtItem? best = dht.ItemStore.Get(target); // we may be one of the nodes that store it
        int forged = 0;
        var gate = new Lock();
        void Absorb(KrpcMessage answer)
        {
            if (answer.Arguments is not { } values)
                return;
            DhtItem? item;
            try
            {
                item = DhtItemWire.Read(values, salt.Span);
            }
            catch (DhtItemException)
            {
                item = null;
                Interlocked.Increment(ref forged);
            }
            if (item is null)
                return;
            if (item.Target != target)
            {
                Interlocked.Increment(ref forged); // a valid item, but of another key or salt (or another value)
                return;
            }
            lock (gate)
            {
                if (best is null || item.Sequence > best.Sequence)
                    best = item;
            }
        }
        var lookups = await Task.WhenAll(Families(dht).Select(family => dht.LookupAsync(target, dht.Query("get") with { Target = target }, family,
            dht.Closest(target, family, RoutingTable.K * 2), Absorb, cancellationToken))).ConfigureAwait(false);
        lock (gate)
            return new ItemLookup(best, [.. lookups.SelectMany(l => l.Closest)], forged, lookups.Sum(l => l.Queries));
    }

    /// <summary>Stores <paramref name="item"/> at the nodes of <paramref name="closest"/> that gave a token (with <paramref name="cas"/>, when set).</summary>
    public static async Task<ItemPut> PutAsync(DhtService dht, DhtItem item, IReadOnlyList<(DhtNode Node, byte[]? Token)> closest, long? cas,
        CancellationToken cancellationToken)
    {
        if (dht.Options.ReadOnly)
            return new ItemPut(0, []);
        dht.ItemStore.Put(item, cas); // we are a node too: one that asks us finds it (refused here means newer is held; the others decide for themselves)
        BDictionary arguments = DhtItemWire.Write(item, put: true, cas);
        var answers = await Task.WhenAll(closest.Where(c => c.Token is not null).Select(c => dht.QueryAsync(c.Node.EndPoint,
            dht.Query("put") with { Token = c.Token, Extra = arguments }, c.Node.Id, cancellationToken))).ConfigureAwait(false);
        var refusals = answers.Where(a => a?.Kind == KrpcKind.Error).Select(a => (a!.ErrorCode, a.ErrorText ?? "")).ToList();
        return new ItemPut(answers.Count(a => a?.Kind == KrpcKind.Response), refusals);
    }

    /// <summary>
    /// Looks the item's target up, then puts it at the closest nodes; a mutable item is not put
    /// when the lookup found a newer version (or the same sequence number with another value).
    /// </summary>
    public static async Task<ItemPut> GetAndPutAsync(DhtService dht, DhtItem item, CancellationToken cancellationToken)
    {
        var lookup = await GetAsync(dht, item.Target, item.Salt, cancellationToken).ConfigureAwait(false);
        if (item.IsMutable && lookup.Item is { } found
            && (found.Sequence > item.Sequence || (found.Sequence == item.Sequence && !found.Value.AsSpan().SequenceEqual(item.Value))))
            return new ItemPut(0, [(PutRefusal.SequenceTooLow, $"the DHT holds a newer version (sequence number {found.Sequence})")]);
        return await PutAsync(dht, item, lookup.Closest, null, cancellationToken).ConfigureAwait(false);
    }

    private static IEnumerable<AddressFamily> Families(DhtService dht)
    {
        yield return AddressFamily.InterNetwork;
        if (dht.Table6.Count > 0)
            yield return AddressFamily.InterNetworkV6;
    }
}

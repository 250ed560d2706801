using System.Net;

namespace Shoal.Dht;

/// <summary>
/// Answers the queries of other nodes through the handlers registered for their methods (see
/// <see cref="DhtPeerQueries"/> and <see cref="Items.DhtItemQueries"/>); a method nobody handles
/// gets error 204. Each source is rate-limited before any work, a read-only node (BEP 43) answers
/// nobody, and every reply carries the asker's address (BEP 42).
/// </summary>
internal sealed class DhtResponder(DhtService dht, SourceRateLimit limit)
{
    private readonly Dictionary<string, KrpcHandler> _handlers = new(StringComparer.Ordinal);

    /// <summary>Makes <paramref name="handler"/> answer <paramref name="method"/> (once per method).</summary>
    public void Register(string method, KrpcHandler handler)
    {
        lock (_handlers)
        {
            if (!_handlers.TryAdd(method, handler))
                throw new InvalidOperationException($"the KRPC method '{method}' already has a handler");
        }
    }

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
        KrpcHandler? handler;
        lock (_handlers)
            _handlers.TryGetValue(query.Method ?? "", out handler);
        var reply = handler is null ? KrpcMessage.Error(query.TransactionId, 204, "Method Unknown") : handler(new KrpcQuery(query, from, localAddress));
        dht.Send((reply with { ExternalIp = from }).Encode(), from);
    }
}

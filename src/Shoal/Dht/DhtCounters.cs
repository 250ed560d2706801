namespace Shoal.Dht;

/// <summary>A DHT node's traffic counters, added to with <see cref="Interlocked"/>.</summary>
internal sealed class DhtCounters
{
    public long QueriesReceived;
    public long QueriesDropped;
    public long Malformed;
    public long QueriesSent;
    public long Responses;
    public long Timeouts;
    public long BytesIn;
    public long BytesOut;
    public long Announces;
    public long Lookups;
    public long PutsStored;
    public long PutsRefused;

    public DhtStats Snapshot(string id, int nodes, int nodes6, int stored, int items) => new()
    {
        NodeId = id,
        Nodes = nodes,
        Nodes6 = nodes6,
        StoredInfoHashes = stored,
        StoredItems = items,
        PutsStored = Interlocked.Read(ref PutsStored),
        PutsRefused = Interlocked.Read(ref PutsRefused),
        QueriesReceived = Interlocked.Read(ref QueriesReceived),
        QueriesDropped = Interlocked.Read(ref QueriesDropped),
        Malformed = Interlocked.Read(ref Malformed),
        QueriesSent = Interlocked.Read(ref QueriesSent),
        Responses = Interlocked.Read(ref Responses),
        Timeouts = Interlocked.Read(ref Timeouts),
        BytesIn = Interlocked.Read(ref BytesIn),
        BytesOut = Interlocked.Read(ref BytesOut),
        Announces = Interlocked.Read(ref Announces),
        Lookups = Interlocked.Read(ref Lookups),
    };
}

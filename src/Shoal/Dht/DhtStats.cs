namespace Shoal.Dht;

/// <summary>A DHT node's table and traffic, for status lines and benchmarks.</summary>
public sealed record DhtStats
{
    public required string NodeId { get; init; }
    public int Nodes { get; init; }
    public int Nodes6 { get; init; }
    public int StoredInfoHashes { get; init; }
    public long QueriesReceived { get; init; }
    public long QueriesDropped { get; init; }
    public long Malformed { get; init; }
    public long QueriesSent { get; init; }
    public long Responses { get; init; }
    public long Timeouts { get; init; }
    public long BytesIn { get; init; }
    public long BytesOut { get; init; }
    public long Announces { get; init; }
    public long Lookups { get; init; }
}

namespace Shoal.Dht;

/// <summary>A DHT node's table and traffic, for status lines and benchmarks.</summary>
public sealed record DhtStats
{
    /// <summary>The node's id in hex.</summary>
    public required string NodeId { get; init; }
    /// <summary>Nodes in the IPv4 table.</summary>
    public int Nodes { get; init; }
    /// <summary>Nodes in the IPv6 table.</summary>
    public int Nodes6 { get; init; }
    /// <summary>Info-hashes with peers announced to us.</summary>
    public int StoredInfoHashes { get; init; }
    /// <summary>BEP 44 items stored for others.</summary>
    public int StoredItems { get; init; }
    /// <summary>BEP 44 puts taken (new items and refreshes).</summary>
    public long PutsStored { get; init; }
    /// <summary>BEP 44 puts refused (bad token, size, signature, sequence number, storage full).</summary>
    public long PutsRefused { get; init; }
    /// <summary>Queries received.</summary>
    public long QueriesReceived { get; init; }
    /// <summary>Queries dropped by the rate limits.</summary>
    public long QueriesDropped { get; init; }
    /// <summary>Datagrams that were not valid KRPC.</summary>
    public long Malformed { get; init; }
    /// <summary>Queries sent.</summary>
    public long QueriesSent { get; init; }
    /// <summary>Answers received to our queries.</summary>
    public long Responses { get; init; }
    /// <summary>Our queries that got no answer in time.</summary>
    public long Timeouts { get; init; }
    /// <summary>Bytes received.</summary>
    public long BytesIn { get; init; }
    /// <summary>Bytes sent.</summary>
    public long BytesOut { get; init; }
    /// <summary>Announces made for our torrents.</summary>
    public long Announces { get; init; }
    /// <summary>Lookups made.</summary>
    public long Lookups { get; init; }
}

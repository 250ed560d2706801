using System.Net;

namespace Shoal.Dht;

/// <summary>Settings of a DHT node (BEP 5), in a client or standalone.</summary>
public sealed record DhtOptions
{
    /// <summary>The well-known public routers: the default bootstrap outside tests.</summary>
    public static readonly IReadOnlyList<string> PublicRouters =
        ["router.bittorrent.com:6881", "dht.transmissionbt.com:6881", "router.utorrent.com:6881", "dht.libtorrent.org:25401"];

    /// <summary>Whether <paramref name="node"/> reads as a bootstrap node, HOST:PORT with a port from 1 to 65535.</summary>
    public static bool IsNodeAddress(string node) => TrySplit(node, out _, out _);

    /// <summary>Splits HOST:PORT (the host may be a name or an address, IPv6 in brackets or not); false when it is not one.</summary>
    internal static bool TrySplit(string node, out string host, out int port)
    {
        int colon = node.LastIndexOf(':');
        host = colon > 0 ? node[..colon] : "";
        port = 0;
        return colon > 0 && int.TryParse(node[(colon + 1)..], out port) && port is > 0 and <= 65535;
    }

    /// <summary>HOST:PORT of nodes to join through, besides the saved table.</summary>
    public IReadOnlyList<string> Bootstrap { get; init; } = PublicRouters;
    /// <summary>Where the node id and routing table are saved and reloaded; null keeps nothing.</summary>
    public string? StateFile { get; init; }
    /// <summary>UDP port; null uses the client's TCP port number.</summary>
    public int? Port { get; init; }
    /// <summary>BEP 43: query others but answer nobody, and ask not to be added to routing tables.</summary>
    public bool ReadOnly { get; init; }
    /// <summary>BEP 42: keep out of the routing table nodes whose id does not match their address.</summary>
    public bool EnforceNodeIds { get; init; }
    /// <summary>At most one node per (non-loopback) address in the routing table.</summary>
    public bool RestrictRoutingIps { get; init; } = true;
    /// <summary>Our public address when known: the node id is derived from it (BEP 42).</summary>
    public IPAddress? ExternalAddress { get; init; }
    /// <summary>How long a query waits for its answer.</summary>
    public TimeSpan QueryTimeout { get; init; } = TimeSpan.FromSeconds(3);
    /// <summary>Queries served per second to one source address (bursts of twice that).</summary>
    public double QueriesPerSource { get; init; } = 20;
    /// <summary>Queries served per second in all.</summary>
    public double QueriesTotal { get; init; } = 2_000;
    /// <summary>BEP 44 items stored for others at most (about 1.2 KB each); when full, puts for new targets are refused (error 202).</summary>
    public int MaxStoredItems { get; init; } = Items.DhtItemStore.DefaultMaxItems;
    /// <summary>How often a torrent is announced again (a random time between this and twice this).</summary>
    public TimeSpan AnnounceInterval { get; init; } = TimeSpan.FromMinutes(15);
}

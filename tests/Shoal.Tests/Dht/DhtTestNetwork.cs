using System.Net;
using Shoal.Dht;
using Shoal.Net;

namespace Shoal.Tests.Dht;

/// <summary>
/// Shoal DHT nodes on their own loopback addresses (127.0.N.x, so per-address rate limits and
/// one-node-per-address rules apply as between machines), each on a port the system picks.
/// </summary>
internal sealed class DhtTestNetwork : IAsyncDisposable
{
    private static int _nextBlock;
    private readonly List<(DhtService Node, UdpEndpoint Udp)> _nodes = [];
    private readonly int _block = 1 + Interlocked.Increment(ref _nextBlock) % 200;

    public IReadOnlyList<DhtService> Nodes => [.. _nodes.Select(n => n.Node)];

    private int _addresses;

    /// <summary>A fresh loopback address (for a node or a scripted peer): 127.{block}.{n / 250}.{n % 250 + 1}.</summary>
    public IPAddress NextAddress()
    {
        int n = _addresses++;
        return new IPAddress([127, (byte)_block, (byte)(n / 250), (byte)(n % 250 + 1)]);
    }

    /// <summary>
    /// Starts a node bootstrapping from <paramref name="bootstrap"/> (none: it waits to be found),
    /// on its own loopback address, or on <paramref name="address"/> (::1 for an IPv6 node).
    /// </summary>
    public DhtService Add(IEnumerable<DhtService>? bootstrap = null, Func<DhtOptions, DhtOptions>? configure = null, TimeProvider? time = null,
        IPAddress? address = null)
    {
        var options = new DhtOptions
        {
            Bootstrap = [.. (bootstrap ?? []).Select(b => EndPoint(b).ToString())],
            QueryTimeout = TimeSpan.FromSeconds(2),
        };
        options = configure?.Invoke(options) ?? options;
        var udp = new UdpEndpoint();
        udp.Bind([address ?? NextAddress()], 0);
        var node = new DhtService(options, udp, time);
        udp.Start();
        node.Start();
        _nodes.Add((node, udp));
        return node;
    }

    /// <summary>
    /// <paramref name="count"/> nodes that join one after another, each through up to three that
    /// joined before it (as a client knows a few routers), so the network is well connected
    /// before a test looks anything up. Nodes joining all at once through one node may each learn
    /// little until their upkeep joins again a minute later; that is not what these tests are about.
    /// </summary>
    public async Task<List<DhtService>> JoinAsync(int count, IPAddress? address = null, int seed = 1)
    {
        var random = new Random(seed);
        var nodes = new List<DhtService>();
        for (int i = 0; i < count; i++)
        {
            var through = Enumerable.Range(0, Math.Min(3, nodes.Count)).Select(_ => nodes[random.Next(nodes.Count)]).Distinct().ToList();
            var node = Add(through, address: address);
            await node.Ready;
            nodes.Add(node);
        }
        return nodes;
    }

    public static IPEndPoint EndPoint(DhtService node) => node.LocalEndPoint;

    public async ValueTask DisposeAsync()
    {
        foreach (var (node, udp) in _nodes)
        {
            await node.DisposeAsync();
            await udp.DisposeAsync();
        }
    }
}

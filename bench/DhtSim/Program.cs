// A DHT of many Shoal nodes in one process, each on its own loopback address (127.10.x.y):
// bootstraps them, announces info-hashes from random nodes, then runs random get_peers lookups
// from other nodes and reports how many found the announced peer, the queries and time per
// lookup (median and 95th percentile) and the memory per node.
// With CHURN (a percentage), that share of the nodes stops answering after the announces, as
// nodes leave a real DHT; lookups then start from the others and must get past the silent ones.
//   dotnet bench/DhtSim/bin/Release/net10.0/DhtSim.dll [NODES=1000] [HASHES=300] [LOOKUPS=500] [CHURN=0] [SEED=1]
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Shoal.Dht;
using Shoal.Net;

int nodeCount = args.Length > 0 ? int.Parse(args[0]) : 1000;
int hashCount = args.Length > 1 ? int.Parse(args[1]) : 300;
int lookupCount = args.Length > 2 ? int.Parse(args[2]) : 500;
int churn = args.Length > 3 ? int.Parse(args[3]) : 0;
var random = new Random(args.Length > 4 ? int.Parse(args[4]) : 1);
if (nodeCount is < 2 or > 60_000)
    throw new ArgumentException("NODES must be 2-60000");

long baseline = GC.GetTotalMemory(forceFullCollection: true);
var nodes = new List<(DhtService Node, UdpEndpoint Udp)>();
var clock = Stopwatch.StartNew();
DhtService Start(int i, IEnumerable<DhtService> bootstrap)
{
    var udp = new UdpEndpoint();
    udp.Bind([new IPAddress([127, 10, (byte)(i / 250), (byte)(i % 250 + 1)])], 0);
    var node = new DhtService(new DhtOptions { Bootstrap = [.. bootstrap.Select(b => b.LocalEndPoint.ToString())], QueryTimeout = TimeSpan.FromSeconds(2) },
        udp, randomSeed: random.Next());
    udp.Start();
    node.Start();
    nodes.Add((node, udp));
    return node;
}

// Join in waves: each new node knows three that joined before it, as a client knows a few routers.
Start(0, []);
const int Wave = 50;
for (int start = 1; start < nodeCount; start += Wave)
{
    var wave = new List<DhtService>();
    for (int i = start; i < Math.Min(nodeCount, start + Wave); i++)
        wave.Add(Start(i, Enumerable.Range(0, 3).Select(_ => nodes[random.Next(start)].Node).Distinct()));
    await Task.WhenAll(wave.Select(n => n.Ready));
}
var joined = clock.Elapsed;
var tables = nodes.Select(n => n.Node.GetStats().Nodes).Order().ToArray();
Console.WriteLine($"{nodeCount} nodes joined in {joined.TotalSeconds:F1} s; routing table sizes: median {tables[tables.Length / 2]}, min {tables[0]}, max {tables[^1]}");

// Announce: each info-hash by one random node, on its own port number so the peer is recognisable.
var announced = new List<(NodeId Hash, IPEndPoint Peer)>();
clock.Restart();
var announces = new List<Task>();
for (int h = 0; h < hashCount; h++)
{
    var hash = NodeId.Random(random);
    var (node, _) = nodes[random.Next(nodes.Count)];
    int port = 10_000 + h;
    announced.Add((hash, new IPEndPoint(node.LocalEndPoint.Address, port)));
    announces.Add(node.AnnounceAsync(hash, port, AddressFamily.InterNetwork, CancellationToken.None));
    if (announces.Count >= 16)
    {
        await Task.WhenAll(announces);
        announces.Clear();
    }
}
await Task.WhenAll(announces);
Console.WriteLine($"{hashCount} info-hashes announced in {clock.Elapsed.TotalSeconds:F1} s");

// Churn: some nodes go silent (their sockets close); lookups start from the others.
var gone = nodes.OrderBy(_ => random.Next()).Take(nodeCount * churn / 100).ToHashSet();
foreach (var (node, udp) in gone)
    await udp.DisposeAsync();
var alive = nodes.Where(n => !gone.Contains(n)).ToList();
if (churn > 0)
    Console.WriteLine($"{gone.Count} nodes ({churn}%) went silent");

// Look up: random announced hashes from random nodes, 16 at a time.
var results = new List<(bool Found, int Queries, TimeSpan Time)>();
clock.Restart();
var pending = new List<Task<(bool, int, TimeSpan)>>();
for (int l = 0; l < lookupCount; l++)
{
    var (hash, peer) = announced[random.Next(announced.Count)];
    var (asker, _) = alive[random.Next(alive.Count)];
    pending.Add(LookupAsync(asker, hash, peer));
    if (pending.Count >= 16)
    {
        results.AddRange(await Task.WhenAll(pending));
        pending.Clear();
    }
}
results.AddRange(await Task.WhenAll(pending));
static async Task<(bool, int, TimeSpan)> LookupAsync(DhtService asker, NodeId hash, IPEndPoint peer)
{
    var result = await asker.GetPeersAsync(hash, AddressFamily.InterNetwork, CancellationToken.None);
    return (result.Peers.Contains(peer), result.Queries, result.Elapsed);
}
var lookupTime = clock.Elapsed;

long memory = GC.GetTotalMemory(forceFullCollection: true) - baseline;
var stats = nodes.Select(n => n.Node.GetStats()).ToList();
var queries = results.Select(r => r.Queries).Order().ToArray();
var times = results.Select(r => r.Time.TotalMilliseconds).Order().ToArray();
double P(double[] sorted, double q) => sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
int found = results.Count(r => r.Found);
Console.WriteLine($"{lookupCount} lookups in {lookupTime.TotalSeconds:F1} s: {found} found the peer ({100.0 * found / lookupCount:F1}%)");
Console.WriteLine($"queries per lookup: median {queries[queries.Length / 2]}, p95 {queries[Math.Min(queries.Length - 1, (int)(0.95 * queries.Length))]}");
Console.WriteLine($"time per lookup: median {P(times, 0.5):F0} ms, p95 {P(times, 0.95):F0} ms");
Console.WriteLine($"timeouts: {stats.Sum(s => s.Timeouts)} of {stats.Sum(s => s.QueriesSent)} queries sent; over the rate limit: {stats.Sum(s => s.QueriesDropped)}");
Console.WriteLine($"memory: {memory / nodeCount / 1024.0:F1} KiB managed per node ({memory / 1048576.0:F1} MiB for {nodeCount}); " +
    $"process working set {Environment.WorkingSet / 1048576.0:F0} MiB");

foreach (var (node, udp) in nodes)
{
    await node.DisposeAsync();
    await udp.DisposeAsync();
}
return found * 100 >= lookupCount * 99 ? 0 : 1;

using System.Text.Json;
using Shoal.Metainfo;

namespace Shoal.Interop.Tests;

/// <summary>
/// Trackerless swarms through the DHT with python3-libtorrent, both ways: magnets whose only
/// source of peers is the DHT, and each side keeping the other in its routing table.
/// </summary>
public class DhtInteropTests
{
    [Theory]
    [InlineData("v1")]
    [InlineData("hybrid")]
    public async Task Shoal_bootstraps_from_a_libtorrent_node_finds_the_libtorrent_seed_and_fetches_a_magnet(string version)
    {
        using var swarm = new SwarmInterop();
        string net = SwarmInterop.LoopbackBlock();
        var (torrent, seedDir) = await swarm.SampleAsync("data", version: version, multi: true);
        var (router, routerPort) = await swarm.LibtorrentDhtNodeAsync($"{net}.1");
        string entry = $"{net}.1:{routerPort}";
        await swarm.LibtorrentAsync("seed", torrent, seedDir, "--bind", $"{net}.2", "--dht-node", entry);
        var parsed = TorrentParser.Load(torrent);
        string announced = (parsed.InfoHashes.V1 ?? parsed.InfoHashes.V2!.Value.Truncated).ToHex();
        await router.WaitForLineAsync(l => l.Contains(announced), TimeSpan.FromSeconds(60), "libtorrent's seed announced at the libtorrent node");

        // No tracker, no peer: only the DHT node to start from. A hybrid link carries only its v2 hash.
        var magnet = new MagnetLink { InfoHashes = version == "hybrid" ? new InfoHashes(null, parsed.InfoHashes.V2) : parsed.InfoHashes };
        string dir = swarm.Dir("shoal");
        await swarm.ShoalGetAsync(magnet.ToString(), dir, "--dht-bootstrap", entry);
        SwarmInterop.AssertSame(seedDir, dir);
    }

    [Fact]
    public async Task Libtorrent_given_a_magnet_and_a_shoal_dht_node_finds_the_shoal_seed_and_completes()
    {
        using var swarm = new SwarmInterop();
        string net = SwarmInterop.LoopbackBlock();
        var (torrent, seedDir) = await swarm.SampleAsync("data", multi: true);
        var (node, nodePort) = await swarm.ShoalDhtNodeAsync($"{net}.1");
        string bootstrap = $"{net}.1:{nodePort}";
        await swarm.ShoalSeedAsync(torrent, seedDir, "--dht-bootstrap", bootstrap);
        await node.WaitForLineAsync(l => l.Contains("\"storedInfoHashes\":1"), TimeSpan.FromSeconds(30), "the shoal seed's announce");

        string dir = swarm.Dir("lt");
        var magnet = new MagnetLink { InfoHashes = TorrentParser.Load(torrent).InfoHashes }.ToString();
        var (leecher, _) = await swarm.LibtorrentAsync("leech", magnet, dir, "--bind", $"{net}.2", "--dht-node", bootstrap, "--exit-when-done");
        await SwarmInterop.WaitLibtorrentDoneAsync(leecher);
        SwarmInterop.AssertSame(seedDir, dir);
    }

    [Fact]
    public async Task Libtorrent_given_a_magnet_and_only_the_shoal_seeds_own_node_finds_the_seed()
    {
        using var swarm = new SwarmInterop();
        string net = SwarmInterop.LoopbackBlock();
        var (torrent, seedDir) = await swarm.SampleAsync("data", multi: true);
        // The seed knows no node at all; libtorrent knows only the seed's (on its TCP port's number).
        var (seed, port) = await swarm.ShoalSeedAsync(torrent, seedDir, "--dht-bootstrap", "none");
        await seed.WaitForLineAsync(l => l.Contains("seeding"), TimeSpan.FromSeconds(30), "the shoal seed to start");
        string dir = swarm.Dir("lt");
        var magnet = new MagnetLink { InfoHashes = TorrentParser.Load(torrent).InfoHashes }.ToString();
        var (leecher, _) = await swarm.LibtorrentAsync("leech", magnet, dir, "--bind", $"{net}.2", "--dht-node", $"127.0.0.1:{port}", "--exit-when-done");
        await SwarmInterop.WaitLibtorrentDoneAsync(leecher);
        SwarmInterop.AssertSame(seedDir, dir);
    }

    [Fact]
    public async Task Libtorrent_keeps_the_shoal_node_in_its_table_and_shoal_reaches_a_node_it_learned_from_libtorrent()
    {
        using var swarm = new SwarmInterop();
        string net = SwarmInterop.LoopbackBlock();
        var (first, firstPort) = await swarm.LibtorrentDhtNodeAsync($"{net}.1");
        string entry = $"{net}.1:{firstPort}";
        var (second, secondPort) = await swarm.LibtorrentDhtNodeAsync($"{net}.2", entry);
        await first.WaitForLineAsync(l => l.Contains($"{net}.2:{secondPort}"), TimeSpan.FromSeconds(60), "libtorrent's two nodes to know each other");

        // Shoal is told of the first libtorrent node only.
        var (shoal, shoalPort) = await swarm.ShoalDhtNodeAsync($"{net}.3", entry);
        string shoalNode = $"\"{net}.3:{shoalPort}\"";
        await first.WaitForLineAsync(l => l.Contains(shoalNode), TimeSpan.FromSeconds(60), "the shoal node in libtorrent's table");
        await second.WaitForLineAsync(l => l.Contains(shoalNode), TimeSpan.FromSeconds(60), "the shoal node in the second libtorrent table");
        // Both libtorrent nodes in Shoal's table: the second one it was never told of.
        string line = await shoal.WaitForLineAsync(l => l.StartsWith('{') && JsonDocument.Parse(l).RootElement.GetProperty("nodes").GetInt32() >= 2,
            TimeSpan.FromSeconds(60), "two nodes in shoal's table");
        Assert.True(JsonDocument.Parse(line).RootElement.GetProperty("responses").GetInt32() >= 2);
    }
}

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
    public async Task A_private_torrent_never_reaches_a_libtorrent_dht_node_which_knows_the_public_one_when_asked_at_the_end()
    {
        using var swarm = new SwarmInterop();
        string net = SwarmInterop.LoopbackBlock();
        var (router, routerPort) = await swarm.LibtorrentDhtNodeAsync($"{net}.1");
        string entry = $"{net}.1:{routerPort}";
        var (open, seedDir) = await swarm.SampleAsync("open", size: 300_000);
        // The private torrent's data beside the public one's, in the one folder both are seeded from.
        File.WriteAllBytes(Path.Combine(seedDir, "secret.bin"), new byte[200_000]);
        var secretTorrent = await new TorrentBuilder { IsPrivate = true, PieceLength = 16384 }.BuildAsync(Path.Combine(seedDir, "secret.bin"));
        string secret = Path.Combine(swarm.Dir("secret"), "secret.torrent");
        File.WriteAllBytes(secret, secretTorrent.ToBytes());

        var seed = swarm.ShoalGet(open, seedDir, secret, "--seed", "--bind", $"{net}.2", "--dht-bootstrap", entry);
        int seedPort = await seed.ShoalListenPortAsync();
        string openHash = TorrentParser.Load(open).InfoHashes.V1!.Value.ToHex();
        string secretHash = secretTorrent.InfoHashes.V1!.Value.ToHex();
        await router.WaitForLineAsync(l => l.Contains(openHash), TimeSpan.FromSeconds(60), "the public torrent announced at the libtorrent node");

        // At the end libtorrent's node is asked, over KRPC, for both: it has Shoal for the public one and nobody for the private one.
        using var probe = new Shoal.Tests.Dht.KrpcProbe(System.Net.IPAddress.Parse($"{net}.3"));
        var node = new System.Net.IPEndPoint(System.Net.IPAddress.Parse($"{net}.1"), routerPort);
        async Task<IReadOnlyList<System.Net.IPEndPoint>> PeersOf(string hex)
        {
            var answer = await probe.AskAsync(probe.Query("get_peers") with { InfoHash = new Shoal.Dht.NodeId(Convert.FromHexString(hex)) }, node);
            Assert.True(answer is { Kind: Shoal.Dht.KrpcKind.Response }, $"get_peers {hex}: {answer?.Kind} {answer?.ErrorText}");
            return answer!.Values;
        }
        Assert.Contains(await PeersOf(openHash), peer => peer.Port == seedPort && System.Net.IPAddress.IsLoopback(peer.Address));
        Assert.Empty(await PeersOf(secretHash));
        Assert.DoesNotContain(secretHash, router.Output);
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

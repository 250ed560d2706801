using System.Collections.Concurrent;
using Shoal.Dht;
using Shoal.Metainfo;
using Shoal.Peers;
using Shoal.Tests.Dht;

namespace Shoal.Tests.Engine;

/// <summary>Clients with a DHT node: trackerless magnets, and private torrents kept off the DHT.</summary>
public class DhtSwarmTests
{
    [Theory]
    [InlineData(TorrentVersion.V1)]
    [InlineData(TorrentVersion.Hybrid)]
    public async Task A_magnet_with_no_tracker_and_no_peer_finds_the_seed_on_the_dht(TorrentVersion version)
    {
        await using var h = new EngineHarness();
        await using var net = new DhtTestNetwork();
        var router = net.Add();
        var dht = new DhtOptions { Bootstrap = [router.LocalEndPoint.ToString()], QueryTimeout = TimeSpan.FromSeconds(2) };
        var (torrent, seedDir) = await h.CreateAsync("set", [("a.bin", 300_000), ("b.bin", 70_000)], version);
        var seeder = await h.ClientAsync(o => o with { Dht = dht });
        await seeder.Add(torrent, seedDir).StartAsync();
        // A hybrid is announced under both its v1 and its truncated v2 hash.
        int hashes = version == TorrentVersion.Hybrid ? 2 : 1;
        await EngineHarness.WaitUntilAsync(() => router.GetStats().StoredInfoHashes == hashes, 30, "the seed's announces at the router");

        var leecher = await h.ClientAsync(o => o with { Dht = dht });
        var magnet = new MagnetLink { InfoHashes = version == TorrentVersion.Hybrid ? new InfoHashes(null, torrent.InfoHashes.V2) : torrent.InfoHashes };
        var leech = leecher.Add(MagnetLink.Parse(magnet.ToString()), h.NewDir());
        await leech.StartAsync();
        await EngineHarness.WaitCompleteAsync(leech);
        EngineHarness.AssertSameFiles(torrent, seedDir, leech.SaveDirectory);
        Assert.Equal(PeerSources.Dht, leech.Peers.Find(EngineHarness.EndPoint(seeder))!.Sources);
    }

    [Fact]
    public async Task A_magnet_finds_a_seed_whose_own_dht_node_is_the_only_node_known()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 200_000)]);
        var seeder = await h.ClientAsync(o => o with { Dht = new DhtOptions { Bootstrap = [] } });
        var seed = seeder.Add(torrent, seedDir);
        await seed.StartAsync();
        var hash = new NodeId(torrent.InfoHashes.V1!.Value.Span);
        await EngineHarness.WaitUntilAsync(() => seeder.Dht!.LocalPort(hash) is not null, 10, "the seed's torrent on its DHT node");

        // A two-node DHT: the seed's node lists the seed itself for a torrent it takes part in.
        var dht = new DhtOptions { Bootstrap = [EngineHarness.EndPoint(seeder).ToString()] };
        var leecher = await h.ClientAsync(o => o with { Dht = dht });
        var leech = leecher.Add(new MagnetLink { InfoHashes = torrent.InfoHashes }, h.NewDir());
        await leech.StartAsync();
        await EngineHarness.WaitCompleteAsync(leech, 30);
        Assert.Equal(PeerSources.Dht, leech.Peers.Find(EngineHarness.EndPoint(seeder))!.Sources);
    }

    [Fact]
    public async Task When_another_program_holds_udp_on_the_tcp_port_the_dht_takes_another_port()
    {
        await using var h = new EngineHarness();
        using var squatter = new System.Net.Sockets.UdpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        int taken = ((System.Net.IPEndPoint)squatter.Client.LocalEndPoint!).Port;
        var client = await h.ClientAsync(o => o with { Port = taken, Dht = new DhtOptions { Bootstrap = [] } });
        Assert.Equal(taken, client.ListenPort);
        Assert.NotEqual(taken, client.Dht!.Port);
        using var probe = new KrpcProbe(System.Net.IPAddress.Loopback);
        Assert.Equal(KrpcKind.Response, (await probe.AskAsync(probe.Query("ping"), client.Dht.LocalEndPoint))?.Kind);
    }

    [Fact]
    public async Task A_private_torrent_is_never_announced_or_looked_up_while_a_public_one_is()
    {
        await using var h = new EngineHarness();
        await using var net = new DhtTestNetwork();
        var watcher = net.Add();
        var asked = new ConcurrentBag<NodeId>();
        watcher.QueryReceived += (query, _) =>
        {
            foreach (var id in new[] { query.InfoHash, query.Target })
            {
                if (id is { } hash)
                    asked.Add(hash);
            }
        };
        string dir = h.NewDir("private");
        TestData.WriteFile(Path.Combine(dir, "secret.bin"), TestData.Random(100_000, 4));
        var secret = await new TorrentBuilder { IsPrivate = true }.BuildAsync(Path.Combine(dir, "secret.bin"));
        var (open, openDir) = await h.CreateAsync("open.bin", [("open.bin", 100_000)]);
        var client = await h.ClientAsync(o => o with { Dht = new DhtOptions { Bootstrap = [watcher.LocalEndPoint.ToString()] } });
        var secretSession = client.Add(secret, dir);
        await secretSession.StartAsync();
        var openSession = client.Add(open, openDir);
        await openSession.StartAsync();

        var openHash = new NodeId(open.InfoHashes.V1!.Value.Span);
        await EngineHarness.WaitUntilAsync(() => watcher.GetStats().StoredInfoHashes == 1, 30, "the public torrent's announce");
        // The whole run, not only its start: announces asked for, a network change, a stop, a restart and the client's end.
        int before = asked.Count(a => a == openHash);
        secretSession.Reannounce();
        openSession.Reannounce();
        client.OnNetworkChanged();
        await EngineHarness.WaitUntilAsync(() => asked.Count(a => a == openHash) > before, 30, "the public torrent looked up again");
        await secretSession.StopAsync();
        await secretSession.StartAsync();
        await EngineHarness.WaitCompleteAsync(secretSession);
        await client.DisposeAsync();
        Assert.Contains(openHash, asked);
        Assert.DoesNotContain(new NodeId(secret.InfoHashes.V1!.Value.Span), asked);
    }
}

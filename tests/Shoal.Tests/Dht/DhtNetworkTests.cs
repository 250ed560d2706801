using System.Net.Sockets;
using Shoal.Dht;
using Shoal.Tests.Engine;

namespace Shoal.Tests.Dht;

/// <summary>Shoal DHT nodes talking over real UDP on loopback.</summary>
public class DhtNetworkTests
{
    [Fact]
    public async Task Thirty_nodes_find_a_peer_announced_by_another()
    {
        await using var net = new DhtTestNetwork();
        var nodes = await net.JoinAsync(30);
        // The first node pinged those that queried it, and keeps those that answered.
        await EngineHarness.WaitUntilAsync(() => nodes[0].GetStats().Nodes >= 8, 20, "the first node's table filling");

        var infoHash = NodeId.Random(new Random(5));
        var announce = await nodes[7].AnnounceAsync(infoHash, 6881, AddressFamily.InterNetwork, CancellationToken.None);
        Assert.True(announce.AnnouncedTo >= 3, $"announced to {announce.AnnouncedTo}");

        var lookup = await nodes[23].GetPeersAsync(infoHash, AddressFamily.InterNetwork, CancellationToken.None);
        var peer = Assert.Single(lookup.Peers);
        Assert.Equal(nodes[7].LocalEndPoint.Address, peer.Address);
        Assert.Equal(6881, peer.Port);
    }

    [Fact]
    public async Task Lookups_still_find_the_peer_after_a_third_of_the_nodes_went_away()
    {
        await using var net = new DhtTestNetwork();
        var nodes = await net.JoinAsync(30);
        var infoHash = NodeId.Random(new Random(9));
        await nodes[1].AnnounceAsync(infoHash, 7000, AddressFamily.InterNetwork, CancellationToken.None);

        // Every third node but the announcer stops answering (its queries then time out).
        foreach (var gone in nodes.Where((_, i) => i % 3 == 2))
            await gone.DisposeAsync();
        foreach (var asker in nodes.Where((_, i) => i % 3 == 0).Take(5))
        {
            var lookup = await asker.GetPeersAsync(infoHash, AddressFamily.InterNetwork, CancellationToken.None);
            Assert.Contains(lookup.Peers, p => p.Port == 7000);
        }
    }

    [Fact]
    public async Task A_restarted_node_keeps_its_id_and_rejoins_through_its_saved_table_alone()
    {
        await using var net = new DhtTestNetwork();
        var others = await net.JoinAsync(11);
        var first = others[0];
        // The first node knows the others (once their answers to its pings are in): the newcomer will hear of them.
        await EngineHarness.WaitUntilAsync(() => first.GetStats().Nodes >= 8, 20, "the first node's table filling");
        string state = Path.Combine(TestData.TempDir(), "dht.dat");
        await using var before = new DhtTestNetwork();
        var node = before.Add([first], o => o with { StateFile = state });
        await node.Ready;
        Assert.True(node.GetStats().Nodes >= 5, $"{node.GetStats().Nodes} nodes");
        await before.DisposeAsync(); // saves

        await using var after = new DhtTestNetwork();
        var again = after.Add(bootstrap: null, o => o with { StateFile = state });
        await again.Ready;
        Assert.Equal(node.Id, again.Id);
        Assert.True(again.GetStats().Nodes >= 5, $"{again.GetStats().Nodes} nodes after the restart");
    }

    [Fact]
    public async Task A_read_only_node_finds_peers_but_answers_nobody_and_joins_no_table()
    {
        await using var net = new DhtTestNetwork();
        var nodes = await net.JoinAsync(13);
        var first = nodes[0];
        var infoHash = NodeId.Random(new Random(4));
        await nodes[5].AnnounceAsync(infoHash, 7100, AddressFamily.InterNetwork, CancellationToken.None);

        var reader = net.Add([first], o => o with { ReadOnly = true });
        await reader.Ready;
        var lookup = await reader.GetPeersAsync(infoHash, AddressFamily.InterNetwork, CancellationToken.None);
        Assert.Contains(lookup.Peers, p => p.Port == 7100);
        var announced = await reader.AnnounceAsync(infoHash, 7200, AddressFamily.InterNetwork, CancellationToken.None);
        Assert.Equal(0, announced.AnnouncedTo);

        using var probe = new KrpcProbe(net.NextAddress());
        Assert.Null(await probe.AskAsync(probe.Query("ping"), reader.LocalEndPoint, seconds: 1));
        foreach (var node in nodes)
            Assert.DoesNotContain(node.Closest(reader.Id, AddressFamily.InterNetwork, 100), n => n.Id == reader.Id);
    }

    [Fact]
    public async Task Ipv6_nodes_keep_their_own_table_and_find_a_peer_announced_over_ipv6()
    {
        await using var net = new DhtTestNetwork();
        var nodes = await net.JoinAsync(13, System.Net.IPAddress.IPv6Loopback);
        Assert.All(nodes.Skip(1), n => Assert.True(n.GetStats().Nodes6 >= 1 && n.GetStats().Nodes == 0, n.GetStats().ToString()));

        var infoHash = NodeId.Random(new Random(6));
        var announce = await nodes[3].AnnounceAsync(infoHash, 7300, AddressFamily.InterNetworkV6, CancellationToken.None);
        Assert.True(announce.AnnouncedTo >= 3, $"announced to {announce.AnnouncedTo}");
        var lookup = await nodes[9].GetPeersAsync(infoHash, AddressFamily.InterNetworkV6, CancellationToken.None);
        Assert.Equal(new System.Net.IPEndPoint(System.Net.IPAddress.IPv6Loopback, 7300), Assert.Single(lookup.Peers));
    }

    [Fact]
    public async Task A_node_takes_a_bep_42_id_for_the_public_address_five_nodes_say_they_see()
    {
        await using var net = new DhtTestNetwork();
        var node = net.Add();
        var before = node.Id;
        var publicAddress = System.Net.IPAddress.Parse("198.51.100.7");
        var probes = Enumerable.Range(0, 5).Select(_ => new KrpcProbe(net.NextAddress())).ToList();
        try
        {
            foreach (var probe in probes)
            {
                var ping = node.QueryAsync(probe.EndPoint, node.Query("ping"), null, CancellationToken.None);
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                var query = await probe.ReceiveAsync(wait.Token);
                probe.Send((KrpcMessage.Response(query!.TransactionId, probe.Id) with { ExternalIp = new System.Net.IPEndPoint(publicAddress, 6881) }).Encode(),
                    node.LocalEndPoint);
                Assert.Equal(KrpcKind.Response, (await ping)?.Kind);
            }
            Assert.Equal(publicAddress, node.ExternalAddress);
            Assert.NotEqual(before, node.Id);
            Assert.True(NodeIdSecurity.IsValid(node.Id, publicAddress));
            // The nodes it knew are kept in the tables rebuilt around the new id.
            Assert.Equal(5, node.GetStats().Nodes);
        }
        finally
        {
            probes.ForEach(p => p.Dispose());
        }
    }
}

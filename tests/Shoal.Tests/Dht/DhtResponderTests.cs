using System.Net;
using Microsoft.Extensions.Time.Testing;
using Shoal.Dht;
using Shoal.Tests.Engine;

namespace Shoal.Tests.Dht;

/// <summary>What a Shoal DHT node answers to queries sent by hand, and how it bounds floods.</summary>
public class DhtResponderTests
{
    [Fact]
    public async Task A_node_answers_each_query_and_stores_peers_only_with_a_valid_token()
    {
        await using var net = new DhtTestNetwork();
        var node = net.Add();
        var at = node.LocalEndPoint;
        using var alice = new KrpcProbe(net.NextAddress());
        using var bob = new KrpcProbe(net.NextAddress());
        var hash = NodeId.Random(new Random(1));

        var pong = await alice.AskAsync(alice.Query("ping"), at);
        Assert.Equal(KrpcKind.Response, pong!.Kind);
        Assert.Equal(node.Id, pong.Id);
        Assert.Equal(alice.EndPoint, pong.ExternalIp); // BEP 42: our address as the node sees it

        var before = await alice.AskAsync(alice.Query("get_peers") with { InfoHash = hash }, at);
        Assert.Empty(before!.Values);
        Assert.NotNull(before.Token);

        var forged = await alice.AskAsync(alice.Query("announce_peer") with { InfoHash = hash, Port = 7001, Token = new byte[8] }, at);
        Assert.Equal((KrpcKind.Error, 203), (forged!.Kind, forged.ErrorCode));
        // Bob cannot use the token given to Alice's address.
        var stolen = await bob.AskAsync(bob.Query("announce_peer") with { InfoHash = hash, Port = 7002, Token = before.Token }, at);
        Assert.Equal(KrpcKind.Error, stolen!.Kind);
        var announced = await alice.AskAsync(alice.Query("announce_peer") with { InfoHash = hash, Port = 7001, Token = before.Token }, at);
        Assert.Equal(KrpcKind.Response, announced!.Kind);
        var bobsToken = (await bob.AskAsync(bob.Query("get_peers") with { InfoHash = hash }, at))!.Token;
        await bob.AskAsync(bob.Query("announce_peer") with { InfoHash = hash, Port = 1, ImpliedPort = true, Token = bobsToken }, at);

        var after = await bob.AskAsync(bob.Query("get_peers") with { InfoHash = hash }, at);
        Assert.Equal(
            new[] { new IPEndPoint(alice.EndPoint.Address, 7001), bob.EndPoint }.Order(new EndPointOrder()),
            after!.Values.Order(new EndPointOrder()));

        var samples = await bob.AskAsync(bob.Query("sample_infohashes") with { Target = hash }, at);
        Assert.Equal([hash], samples!.Samples);
        Assert.Equal(1, samples.Num);

        var unknown = await bob.AskAsync(bob.Query("vote"), at);
        Assert.Equal((KrpcKind.Error, 204), (unknown!.Kind, unknown.ErrorCode));
        var noTarget = await bob.AskAsync(bob.Query("find_node"), at);
        Assert.Equal((KrpcKind.Error, 203), (noTarget!.Kind, noTarget.ErrorCode));
    }

    private sealed class EndPointOrder : IComparer<IPEndPoint>
    {
        public int Compare(IPEndPoint? x, IPEndPoint? y) => string.CompareOrdinal(x?.ToString(), y?.ToString());
    }

    [Fact]
    public async Task A_flood_from_one_address_is_answered_at_its_rate_and_many_flooders_at_the_total_rate()
    {
        await using var net = new DhtTestNetwork();
        var time = new FakeTimeProvider(); // no refill while the flood lasts: the counts are exact
        var node = net.Add(configure: o => o with { QueriesPerSource = 10, QueriesTotal = 25 }, time: time);
        var probes = Enumerable.Range(0, 5).Select(_ => new KrpcProbe(net.NextAddress())).ToList();
        try
        {
            foreach (var probe in probes)
            {
                for (int i = 0; i < 30; i++)
                    probe.Send(probe.Query("ping").Encode(), node.LocalEndPoint);
            }
            await EngineHarness.WaitUntilAsync(() => node.GetStats().QueriesReceived == 150, 20, "all queries at the node");
            var replies = await Task.WhenAll(probes.Select(p => p.CountResponsesUntilQuietAsync(TimeSpan.FromMilliseconds(500))));
            // Each source gets at most its burst (20); all together the total burst (50).
            Assert.All(replies, r => Assert.True(r <= 20, $"{r} replies to one source"));
            Assert.Equal(50, replies.Sum());
            Assert.Equal(100, node.GetStats().QueriesDropped);

            // A second later every bucket has refilled a little: one source gets 10 more.
            time.Advance(TimeSpan.FromSeconds(1));
            for (int i = 0; i < 30; i++)
                probes[0].Send(probes[0].Query("ping").Encode(), node.LocalEndPoint);
            await EngineHarness.WaitUntilAsync(() => node.GetStats().QueriesReceived == 180, 20, "the second flood at the node");
            Assert.Equal(10, await probes[0].CountResponsesUntilQuietAsync(TimeSpan.FromMilliseconds(500)));
        }
        finally
        {
            probes.ForEach(p => p.Dispose());
        }
    }

    [Fact]
    public async Task Random_and_mutated_datagrams_are_counted_and_ignored_and_the_node_still_answers()
    {
        await using var net = new DhtTestNetwork();
        var node = net.Add(configure: o => o with { QueriesPerSource = 1_000_000, QueriesTotal = 1_000_000 });
        using var fuzzer = new KrpcProbe(net.NextAddress());
        var random = new Random(42);
        var valid = (fuzzer.Query("get_peers") with { InfoHash = NodeId.Random(random), Want = ["n4", "n6"] }).Encode();
        for (int i = 0; i < 3_000; i++)
        {
            byte[] datagram;
            if (i % 3 == 0)
            {
                datagram = new byte[random.Next(0, 1500)];
                random.NextBytes(datagram);
                if (datagram.Length > 0)
                    datagram[0] = (byte)'d';
            }
            else
            {
                // A valid prefix, then random bytes or flipped bytes.
                datagram = valid[..random.Next(1, valid.Length)];
                datagram = [.. datagram, .. Enumerable.Range(0, random.Next(0, 40)).Select(_ => (byte)random.Next(256))];
                if (i % 3 == 2)
                    datagram[random.Next(datagram.Length)] ^= (byte)(1 << random.Next(8));
            }
            fuzzer.Send(datagram, node.LocalEndPoint);
        }
        // The flood may have filled the socket's buffer, and UDP drops what does not fit: a few tries.
        using var checker = new KrpcProbe(net.NextAddress());
        KrpcMessage? pong = null;
        for (int attempt = 0; attempt < 5 && pong is null; attempt++)
            pong = await checker.AskAsync(checker.Query("ping"), node.LocalEndPoint, seconds: 1);
        Assert.True(pong?.Kind == KrpcKind.Response, $"no pong: {node.GetStats()}");
        Assert.True(node.GetStats().Malformed > 500, $"{node.GetStats().Malformed} malformed");
    }
}

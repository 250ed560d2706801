using System.Net;
using System.Net.Sockets;
using System.Text;
using NSec.Cryptography;
using Shoal.Bencode;
using Shoal.Dht;
using Shoal.Dht.Items;
using Shoal.Tests.Engine;

namespace Shoal.Tests.Dht;

/// <summary>BEP 44's get and put on the wire: what a node stores and refuses, and lookups over a network of Shoal nodes.</summary>
public class DhtItemQueryTests
{
    [Fact]
    public async Task A_node_stores_items_put_with_its_token_and_refuses_forged_oversized_salted_too_long_older_and_cas_mismatched_ones()
    {
        await using var net = new DhtTestNetwork();
        var node = net.Add();
        var at = node.LocalEndPoint;
        using var probe = new KrpcProbe(net.NextAddress());
        using var key = Key.Create(SignatureAlgorithm.Ed25519);
        var one = DhtItem.Sign(key, "chan"u8, 1, "3:one"u8);
        var token = (await probe.AskAsync(probe.Query("get") with { Target = one.Target }, at))!.Token;
        Assert.NotNull(token);

        async Task<KrpcMessage> Put(BDictionary arguments, byte[]? withToken = null) =>
            (await probe.AskAsync(probe.Query("put") with { Token = withToken ?? token, Extra = arguments }, at))!;
        async Task<KrpcMessage> Get(NodeId target, long? seq = null) =>
            (await probe.AskAsync(probe.Query("get") with { Target = target, Extra = seq is long s ? new BDictionary().Set("seq", s) : null }, at))!;

        Assert.Equal((KrpcKind.Error, 203), Code(await Put(DhtItemWire.Write(one, put: true), withToken: new byte[8])));
        Assert.Equal(KrpcKind.Response, (await Put(DhtItemWire.Write(one, put: true))).Kind);
        var got = await Get(one.Target);
        Assert.Equal("3:one", Encoding.ASCII.GetString(got.Arguments!["v"]!.Encoded.Span));
        Assert.Equal(1, ((BInteger)got.Arguments["seq"]!).Value);
        Assert.Equal(one.Signature, ((BString)got.Arguments["sig"]!).Bytes.ToArray());
        var read = DhtItemWire.Read(got.Arguments, "chan"u8)!;
        Assert.Equal((one.Target, one.Sequence), (read.Target, read.Sequence));
        Assert.Equal(one.Value, read.Value);
        // The asker that has seq 1 already gets the number, not the value.
        var known = await Get(one.Target, seq: 1);
        Assert.Null(known.Arguments!["v"]);
        Assert.Equal(1, ((BInteger)known.Arguments["seq"]!).Value);

        var two = DhtItem.Sign(key, "chan"u8, 2, "3:two"u8);
        var forged = DhtItemWire.Write(two, put: true).Set("sig", (ReadOnlyMemory<byte>)one.Signature!);
        Assert.Equal((KrpcKind.Error, 206), Code(await Put(forged)));
        var renamed = DhtItemWire.Write(two, put: true).Set("salt", "chan2");
        Assert.Equal((KrpcKind.Error, 206), Code(await Put(renamed))); // signed for another salt
        Assert.Equal((KrpcKind.Error, 207), Code(await Put(DhtItemWire.Write(two, put: true).Set("salt", new string('s', 65)))));
        var big = new BDictionary().Set("v", new BString(new byte[DhtItem.MaxValueLength]));
        Assert.Equal((KrpcKind.Error, 205), Code(await Put(big)));
        Assert.Equal((KrpcKind.Error, 302), Code(await Put(DhtItemWire.Write(DhtItem.Sign(key, "chan"u8, 0, "4:zero"u8), put: true))));
        Assert.Equal((KrpcKind.Error, 301), Code(await Put(DhtItemWire.Write(two, put: true, cas: 0))));
        Assert.Equal("3:one", Encoding.ASCII.GetString((await Get(one.Target)).Arguments!["v"]!.Encoded.Span));
        Assert.Equal(KrpcKind.Response, (await Put(DhtItemWire.Write(two, put: true, cas: 1))).Kind);
        Assert.Equal("3:two", Encoding.ASCII.GetString((await Get(one.Target)).Arguments!["v"]!.Encoded.Span));

        var hello = DhtItem.Immutable("12:Hello World!"u8);
        Assert.Equal(KrpcKind.Response, (await Put(DhtItemWire.Write(hello, put: true))).Kind);
        Assert.Equal("12:Hello World!", Encoding.ASCII.GetString((await Get(hello.Target)).Arguments!["v"]!.Encoded.Span));
        Assert.Equal(2, node.GetStats().StoredItems);
        Assert.Equal(7, node.GetStats().PutsRefused);
    }

    private static (KrpcKind, int) Code(KrpcMessage answer) => (answer.Kind, answer.ErrorCode);

    [Fact]
    public async Task Thirty_nodes_get_the_newest_mutable_item_and_an_immutable_one_put_by_another_and_an_older_version_is_refused()
    {
        await using var net = new DhtTestNetwork();
        var nodes = await net.JoinAsync(30);
        await EngineHarness.WaitUntilAsync(() => nodes[0].GetStats().Nodes >= 8, 20, "the first node's table filling");
        using var key = Key.Create(SignatureAlgorithm.Ed25519);
        var one = DhtItem.Sign(key, "updates"u8, 1, "d2:ih20:aaaaaaaaaaaaaaaaaaaae"u8);
        var two = DhtItem.Sign(key, "updates"u8, 2, "d2:ih20:bbbbbbbbbbbbbbbbbbbbe"u8);

        var first = await DhtItemClient.GetAndPutAsync(nodes[3], one, CancellationToken.None);
        Assert.True(first.Stored >= 3, $"stored at {first.Stored}");
        var second = await DhtItemClient.GetAndPutAsync(nodes[11], two, CancellationToken.None);
        Assert.True(second.Stored >= 3, $"stored at {second.Stored}");
        var replay = await DhtItemClient.GetAndPutAsync(nodes[3], one, CancellationToken.None);
        Assert.Equal(0, replay.Stored);
        Assert.Contains(replay.Refusals, r => r.Code == PutRefusal.SequenceTooLow);

        var found = await DhtItemClient.GetAsync(nodes[23], one.Target, "updates"u8.ToArray(), CancellationToken.None);
        Assert.Equal(2, found.Item?.Sequence);
        Assert.Equal(two.Value, found.Item!.Value);
        Assert.Equal(0, found.Forged);

        var data = DhtItem.Immutable("l4:spam4:eggse"u8);
        Assert.True((await DhtItemClient.GetAndPutAsync(nodes[5], data, CancellationToken.None)).Stored >= 3);
        var immutable = await DhtItemClient.GetAsync(nodes[17], data.Target, default, CancellationToken.None);
        Assert.Equal(data.Value, immutable.Item?.Value);
        Assert.Null((await DhtItemClient.GetAsync(nodes[17], DhtItem.ImmutableTarget("3:abc"u8), default, CancellationToken.None)).Item);
    }

    [Fact]
    public async Task A_node_answering_with_a_forged_item_is_ignored_and_counted()
    {
        await using var net = new DhtTestNetwork();
        using var liar = new KrpcProbe(net.NextAddress());
        using var key = Key.Create(SignatureAlgorithm.Ed25519);
        var real = DhtItem.Sign(key, [], 5, "3:new"u8);
        var asker = net.Add(configure: o => o with { Bootstrap = [liar.EndPoint.ToString()] });
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var answering = Task.Run(async () =>
        {
            while (await liar.ReceiveAsync(stop.Token) is { } query)
            {
                var reply = KrpcMessage.Response(query.TransactionId, liar.Id) with { Token = [1, 2, 3, 4] };
                if (query.Method == "get")
                {
                    // The real key and value with seq 6 but seq 5's signature.
                    reply = reply with { Extra = DhtItemWire.Write(real, put: false).Set("seq", 6) };
                }
                liar.Send(reply.Encode(), asker.LocalEndPoint);
            }
        });
        await asker.Ready;
        var found = await DhtItemClient.GetAsync(asker, real.Target, default, CancellationToken.None);
        Assert.Null(found.Item);
        Assert.Equal(1, found.Forged);
        await stop.CancelAsync();
        await answering;
    }

    [Fact]
    public async Task A_node_flooded_with_puts_stores_up_to_its_bound_refuses_the_rest_and_keeps_what_it_had()
    {
        await using var net = new DhtTestNetwork();
        var node = net.Add(configure: o => o with { QueriesPerSource = 1_000_000, QueriesTotal = 1_000_000, MaxStoredItems = 50 });
        var at = node.LocalEndPoint;
        using var owner = new KrpcProbe(net.NextAddress());
        using var key = Key.Create(SignatureAlgorithm.Ed25519);
        var mine = DhtItem.Sign(key, [], 1, "3:one"u8);
        var ownerToken = (await owner.AskAsync(owner.Query("get") with { Target = mine.Target }, at))!.Token;
        Assert.Equal(KrpcKind.Response, (await owner.AskAsync(owner.Query("put") with { Token = ownerToken, Extra = DhtItemWire.Write(mine, put: true) }, at))!.Kind);

        using var flooder = new KrpcProbe(net.NextAddress());
        var token = (await flooder.AskAsync(flooder.Query("get") with { Target = mine.Target }, at))!.Token;
        var refusals = 0;
        for (int i = 0; i < 200; i++)
        {
            var junk = DhtItem.Immutable(System.Text.Encoding.ASCII.GetBytes($"i{i}e"));
            var answer = await flooder.AskAsync(flooder.Query("put") with { Token = token, Extra = DhtItemWire.Write(junk, put: true) }, at);
            if (answer is { Kind: KrpcKind.Error, ErrorCode: 202 })
                refusals++;
        }
        Assert.Equal(50, node.GetStats().StoredItems);
        Assert.Equal(200 - 49, refusals);
        // What was stored before stays, and its owner can still move it forward.
        var two = DhtItem.Sign(key, [], 2, "3:two"u8);
        Assert.Equal(KrpcKind.Response, (await owner.AskAsync(owner.Query("put") with { Token = ownerToken, Extra = DhtItemWire.Write(two, put: true) }, at))!.Kind);
        Assert.Equal("3:two", Encoding.ASCII.GetString((await owner.AskAsync(owner.Query("get") with { Target = mine.Target }, at))!.Arguments!["v"]!.Encoded.Span));
    }
}

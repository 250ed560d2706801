using System.Buffers.Binary;
using Shoal.Net;
using Shoal.Net.Mse;
using Shoal.Peers;

namespace Shoal.Tests.Net.Mse;

public class MseHandshakeTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);
    private static readonly byte[][] Served = [TestData.Random(20, 11), TestData.Random(20, 12), TestData.Random(20, 13)];

    private static byte[]? Find(byte[] tag) =>
        Served.FirstOrDefault(key => MseCrypto.StreamKeyTag(key).AsSpan().SequenceEqual(tag));

    private static uint PreferRc4(uint provide) => (provide & MseHandshake.Rc4) != 0 ? MseHandshake.Rc4 : provide & MseHandshake.Plaintext;

    private static async Task ExchangeAsync(PeerStream a, PeerStream b, int size)
    {
        byte[] fromA = TestData.Random(size, 21), fromB = TestData.Random(size, 22);
        var gotAtB = new byte[size];
        var gotAtA = new byte[size];
        using var cts = new CancellationTokenSource(Limit);
        await Task.WhenAll(
            a.WriteAsync(fromA, cts.Token).AsTask(),
            b.WriteAsync(fromB, cts.Token).AsTask(),
            b.ReadExactlyAsync(gotAtB, cts.Token).AsTask(),
            a.ReadExactlyAsync(gotAtA, cts.Token).AsTask());
        Assert.Equal(fromA, gotAtB);
        Assert.Equal(fromB, gotAtA);
    }

    [Fact]
    public async Task Rc4_is_agreed_the_torrent_is_found_by_its_hidden_key_and_a_mebibyte_crosses_each_way()
    {
        var (a, b) = await LoopbackPair.CreateAsync();
        await using var _ = a;
        await using var __ = b;
        using var cts = new CancellationTokenSource(Limit);
        var connect = MseHandshake.ConnectAsync(a, Served[1], MseHandshake.Rc4, cts.Token);
        var (accepted, key) = await MseHandshake.AcceptAsync(b, ReadOnlyMemory<byte>.Empty, Find, PreferRc4, cts.Token);
        var opened = await connect;
        Assert.Equal(Served[1], key);
        Assert.Equal(new PeerTransport("tcp", PeerEncryption.Rc4), opened.Transport);
        Assert.Equal(new PeerTransport("tcp", PeerEncryption.Rc4), accepted.Transport);
        await ExchangeAsync(opened, accepted, 1 << 20);
    }

    [Fact]
    public async Task When_the_acceptor_selects_plaintext_only_the_handshake_is_obfuscated_and_the_payload_still_arrives()
    {
        var (a, b) = await LoopbackPair.CreateAsync();
        await using var _ = a;
        await using var __ = b;
        using var cts = new CancellationTokenSource(Limit);
        var connect = MseHandshake.ConnectAsync(a, Served[0], MseHandshake.Rc4 | MseHandshake.Plaintext, cts.Token);
        var (accepted, _) = await MseHandshake.AcceptAsync(b, ReadOnlyMemory<byte>.Empty, Find, _ => MseHandshake.Plaintext, cts.Token);
        var opened = await connect;
        Assert.Equal(PeerTransport.Tcp with { Encryption = PeerEncryption.HandshakeOnly }, opened.Transport);
        Assert.False(((MseStream)opened).Encrypted);
        await ExchangeAsync(opened, accepted, 100_000);
    }

    [Fact]
    public async Task A_torrent_we_do_not_serve_is_refused_and_the_dialler_fails_too()
    {
        var (a, b) = await LoopbackPair.CreateAsync();
        await using var _ = a;
        using var cts = new CancellationTokenSource(Limit);
        var connect = MseHandshake.ConnectAsync(a, TestData.Random(20, 99), MseHandshake.Rc4, cts.Token);
        var refused = await Assert.ThrowsAsync<PeerProtocolException>(() => MseHandshake.AcceptAsync(b, ReadOnlyMemory<byte>.Empty, Find, PreferRc4, cts.Token));
        Assert.Contains("do not serve", refused.Message);
        await b.DisposeAsync();
        await Assert.ThrowsAsync<PeerProtocolException>(() => connect);
    }

    [Fact]
    public async Task A_dialler_offering_only_rc4_is_refused_by_an_acceptor_that_takes_only_plaintext()
    {
        var (a, b) = await LoopbackPair.CreateAsync();
        await using var _ = a;
        using var cts = new CancellationTokenSource(Limit);
        var connect = MseHandshake.ConnectAsync(a, Served[2], MseHandshake.Rc4, cts.Token);
        var refused = await Assert.ThrowsAsync<PeerProtocolException>(() =>
            MseHandshake.AcceptAsync(b, ReadOnlyMemory<byte>.Empty, Find, provide => provide & MseHandshake.Plaintext, cts.Token));
        Assert.Contains("no method we accept", refused.Message);
        await b.DisposeAsync();
        await Assert.ThrowsAsync<PeerProtocolException>(() => connect);
    }

    [Fact]
    public async Task The_initial_payload_and_bytes_sent_right_after_the_handshake_reach_the_reader_in_order()
    {
        var (a, b) = await LoopbackPair.CreateAsync();
        await using var _ = a;
        await using var __ = b;
        using var cts = new CancellationTokenSource(Limit);
        byte[] initial = TestData.Random(68, 31), after = TestData.Random(5000, 32);
        var dialler = RawDialler.RunAsync(a, Served[0], initial, after, cts.Token);
        var (accepted, _) = await MseHandshake.AcceptAsync(b, ReadOnlyMemory<byte>.Empty, Find, PreferRc4, cts.Token);
        var got = new byte[initial.Length + after.Length];
        Assert.True(await accepted.ReadExactlyAsync(got, cts.Token));
        Assert.Equal([.. initial, .. after], got);
        await dialler;
    }

    [Fact]
    public async Task Padding_longer_than_512_bytes_before_the_sync_hash_is_refused_without_reading_on()
    {
        var (a, b) = await LoopbackPair.CreateAsync();
        await using var _ = a;
        await using var __ = b;
        using var cts = new CancellationTokenSource(Limit);
        // A valid public key, then 2 KiB of noise and the connection held open: the acceptor must give up by itself.
        await a.WriteAsync((byte[])[.. MseCrypto.PublicKey(MseCrypto.NewPrivateKey()), .. TestData.Random(2048, 41)], cts.Token);
        var refused = await Assert.ThrowsAsync<PeerProtocolException>(() => MseHandshake.AcceptAsync(b, ReadOnlyMemory<byte>.Empty, Find, PreferRc4, cts.Token));
        Assert.Contains("not found within 512", refused.Message);
    }

    /// <summary>Side A written out by hand from the spec, with an initial payload (as libtorrent sends its handshake) and data right after.</summary>
    internal static class RawDialler
    {
        public static async Task RunAsync(PeerStream stream, byte[] skey, byte[] initial, byte[] after, CancellationToken token)
        {
            var x = MseCrypto.NewPrivateKey();
            await stream.WriteAsync((byte[])[.. MseCrypto.PublicKey(x), .. new byte[7]], token);
            var yb = new byte[96];
            Assert.True(await stream.ReadExactlyAsync(yb, token));
            byte[] s = MseCrypto.Secret(yb, x);
            byte[] req2 = MseCrypto.StreamKeyTag(skey), req3 = MseCrypto.Hash("req3", s);
            var encrypted = new byte[8 + 4 + 2 + 3 + 2 + initial.Length];
            BinaryPrimitives.WriteUInt32BigEndian(encrypted.AsSpan(8), MseHandshake.Rc4);
            BinaryPrimitives.WriteUInt16BigEndian(encrypted.AsSpan(12), 3);
            BinaryPrimitives.WriteUInt16BigEndian(encrypted.AsSpan(17), (ushort)initial.Length);
            initial.CopyTo(encrypted, 19);
            var encrypt = MseCrypto.CipherA(s, skey);
            encrypt.Apply(encrypted);
            await stream.WriteAsync((byte[])[.. MseCrypto.Hash("req1", s), .. req2.Zip(req3, (p, q) => (byte)(p ^ q)), .. encrypted], token);
            // Wait for step 4 (its VC, select and padding), then send more on the same RC4 stream.
            var reader = new MseReader(stream, []);
            var vc = new byte[8];
            var decrypt = MseCrypto.CipherB(s, skey);
            MseCrypto.CipherB(s, skey).Apply(vc);
            await reader.SkipPastAsync(vc, 512, "VC", token);
            decrypt.Skip(8);
            byte[] head = await reader.ReadAsync(6, token);
            decrypt.Apply(head);
            Assert.Equal(MseHandshake.Rc4, BinaryPrimitives.ReadUInt32BigEndian(head));
            await reader.ReadAsync(BinaryPrimitives.ReadUInt16BigEndian(head.AsSpan(4)), token);
            byte[] rest = (byte[])after.Clone();
            encrypt.Apply(rest);
            await stream.WriteAsync(rest, token);
        }
    }
}

using System.Buffers.Binary;
using FsCheck;
using FsCheck.Fluent;
using Shoal.Wire;

namespace Shoal.Tests.Wire;

public class PeerWireTests
{
    private static byte[] Write(Func<byte[], int> write)
    {
        var buffer = new byte[256];
        return buffer[..write(buffer)];
    }

    [Fact]
    public void Every_message_round_trips()
    {
        var stream = new List<byte>();
        stream.AddRange(Write(b => PeerWire.WriteKeepAlive(b)));
        stream.AddRange(Write(b => PeerWire.WriteSimple(b, MessageId.Unchoke)));
        stream.AddRange(Write(b => PeerWire.WriteIndex(b, MessageId.Have, 1234)));
        stream.AddRange(Write(b => PeerWire.WriteBlock(b, MessageId.Request, 7, 16384, 16384)));
        stream.AddRange(Write(b => PeerWire.WritePayload(b, MessageId.Bitfield, [0xF0])));
        stream.AddRange(Write(b => PeerWire.WriteExtended(b, 3, "d1:xi1ee"u8)));
        stream.AddRange(Write(b => PeerWire.WritePort(b, 6881)));
        var piece = new byte[13 + 5];
        PeerWire.WritePieceHeader(piece, 2, 32768, 5);
        "hello"u8.CopyTo(piece.AsSpan(13));
        stream.AddRange(piece);

        var data = stream.ToArray().AsSpan();
        var seen = new List<string>();
        while (!data.IsEmpty)
        {
            Assert.Equal(ParseStatus.Done, PeerWire.TryRead(data, 1 << 16, out var m, out int used, out _));
            seen.Add(m.IsKeepAlive ? "keepalive" : m.Id switch
            {
                MessageId.Have => $"have {m.Index}",
                MessageId.Request => $"request {m.Index} {m.Begin} {m.Length}",
                MessageId.Bitfield => $"bitfield {m.Payload[0]:x2}",
                MessageId.Extended => $"ext {m.ExtendedId} {System.Text.Encoding.ASCII.GetString(m.Payload)}",
                MessageId.Port => $"port {m.Index}",
                MessageId.Piece => $"piece {m.Index} {m.Begin} {System.Text.Encoding.ASCII.GetString(m.Payload)}",
                _ => m.Id.ToString(),
            });
            data = data[used..];
        }
        Assert.Equal(["keepalive", "Unchoke", "have 1234", "request 7 16384 16384", "bitfield f0", "ext 3 d1:xi1ee", "port 6881", "piece 2 32768 hello"], seen);
    }

    [Fact]
    public void A_partial_message_needs_more_and_says_how_much()
    {
        var bytes = Write(b => PeerWire.WriteBlock(b, MessageId.Request, 1, 2, 3));
        Assert.Equal(ParseStatus.NeedMore, PeerWire.TryRead(bytes.AsSpan(0, 3), 100, out _, out _, out _));
        Assert.Equal(ParseStatus.NeedMore, PeerWire.TryRead(bytes.AsSpan(0, 10), 100, out _, out int needed, out _));
        Assert.Equal(17, needed);
    }

    [Fact]
    public void A_length_over_the_limit_is_an_error_before_any_allocation()
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, 0xFFFF_FFFF);
        Assert.Equal(ParseStatus.Error, PeerWire.TryRead(bytes, 1 << 17, out _, out _, out string? error));
        Assert.Contains("exceeds the limit", error);
    }

    [Theory]
    [InlineData((byte)MessageId.Choke, 1)]
    [InlineData((byte)MessageId.Have, 3)]
    [InlineData((byte)MessageId.Request, 11)]
    [InlineData((byte)MessageId.Reject, 4)]
    [InlineData((byte)MessageId.Port, 4)]
    [InlineData((byte)MessageId.Piece, 7)]
    public void Fixed_size_messages_with_the_wrong_size_are_errors(byte id, int payload)
    {
        var bytes = new byte[5 + payload];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)(1 + payload));
        bytes[4] = id;
        Assert.Equal(ParseStatus.Error, PeerWire.TryRead(bytes, 1 << 16, out _, out _, out string? error));
        Assert.Contains(((MessageId)id).ToString(), error);
    }

    [Fact]
    public void Handshake_round_trips_and_rejects_another_protocol()
    {
        var handshake = new Handshake(Handshake.OurReserved(), new byte[20], "-SH0100-abcdefghijkl"u8.ToArray());
        var bytes = handshake.ToBytes();
        Assert.Equal(ParseStatus.NeedMore, Handshake.TryParse(bytes.AsSpan(0, 67), out _, out _));
        Assert.Equal(ParseStatus.Done, Handshake.TryParse(bytes, out var back, out _));
        Assert.True(back.SupportsExtensions && back.SupportsFast);
        bytes[5] = (byte)'X';
        Assert.Equal(ParseStatus.Error, Handshake.TryParse(bytes.AsSpan(0, 10), out _, out _));
        Assert.Equal(ParseStatus.Error, Handshake.TryParse([18], out _, out _));
    }

    [Fact]
    public void Bitfield_checks_length_and_spare_bits()
    {
        var field = Bitfield.Parse([0b1010_0000], 3);
        Assert.True(field[0] && !field[1] && field[2]);
        Assert.Equal(2, field.SetCount);
        Assert.Throws<FormatException>(() => Bitfield.Parse([0b1010_0001], 3));
        Assert.Throws<FormatException>(() => Bitfield.Parse([0, 0], 3));
    }

    [Fact]
    public void Extension_handshake_round_trips_and_rejects_junk()
    {
        var ext = new ExtensionHandshake
        {
            Extensions = new Dictionary<string, byte> { ["ut_pex"] = 2 },
            Client = "Shoal 0.1",
            RequestQueue = 500,
            ListenPort = 6881,
            YourIp = System.Net.IPAddress.Parse("127.0.0.1"),
        };
        var back = ExtensionHandshake.Parse(ext.Encode());
        Assert.Equal(2, back.Extensions["ut_pex"]);
        Assert.Equal("Shoal 0.1", back.Client);
        Assert.Equal(500, back.RequestQueue);
        Assert.Equal(6881, back.ListenPort);
        Assert.Equal("127.0.0.1", back.YourIp!.ToString());
        Assert.Throws<FormatException>(() => ExtensionHandshake.Parse("li1ee"u8));
        // A dictionary cut short: the bencode error, with where it stopped.
        var cut = Assert.Throws<Shoal.Bencode.BencodeException>(() => ExtensionHandshake.Parse("d1:m"u8));
        Assert.StartsWith("invalid bencode at byte 4: unexpected end of input", cut.Message, StringComparison.Ordinal);
        // Out-of-range values are dropped, not trusted.
        var odd = ExtensionHandshake.Parse("d1:md6:ut_pexi999ee4:reqqi-5e1:pi70000ee"u8);
        Assert.Empty(odd.Extensions);
        Assert.Null(odd.RequestQueue);
        Assert.Null(odd.ListenPort);
    }

    [Fact]
    public void Random_bytes_never_throw_from_the_framing_codec()
    {
        Prop.ForAll<byte[]>(bytes =>
        {
            var data = bytes.AsSpan();
            while (PeerWire.TryRead(data, 1 << 16, out _, out int used, out _) == ParseStatus.Done && used > 0)
                data = data[used..];
            Handshake.TryParse(bytes, out _, out _);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(2000));
    }
}

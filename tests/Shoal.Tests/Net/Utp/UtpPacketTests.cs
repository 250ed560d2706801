using Shoal.Net.Utp;

namespace Shoal.Tests.Net.Utp;

public class UtpPacketTests
{
    [Fact]
    public void A_header_with_a_selective_ack_round_trips_field_by_field()
    {
        var header = new UtpHeader(UtpType.State, 0xBEEF, 0x01020304, 0xA0B0C0D0, 1 << 20, 65535, 7);
        byte[] sack = [0x05, 0, 0, 0x80];
        var buffer = new byte[64];
        int length = UtpPacket.WriteHeader(buffer, header, sack);
        Assert.Equal(26, length);
        Assert.Equal(0x21, buffer[0]); // type 2, version 1
        Assert.Equal(1, buffer[1]);    // first extension: selective ack
        Assert.True(UtpPacket.TryParse(buffer.AsSpan(0, length + 3), out var read, out var readSack, out int payloadAt, out string? error), error);
        Assert.Equal(header, read);
        Assert.Equal(sack, readSack.ToArray());
        Assert.Equal(26, payloadAt);
    }

    [Fact]
    public void A_syn_written_by_hand_from_the_spec_parses()
    {
        // ST_SYN (4), version 1, no extension, connection id 0x1234, timestamps, window 0x100000, seq 1, ack 0.
        byte[] syn = Convert.FromHexString("41001234" + "0000000A" + "00000000" + "00100000" + "0001" + "0000");
        Assert.True(UtpPacket.TryParse(syn, out var header, out var sack, out int payloadAt, out _));
        Assert.Equal(new UtpHeader(UtpType.Syn, 0x1234, 10, 0, 0x100000, 1, 0), header);
        Assert.True(sack.IsEmpty);
        Assert.Equal(20, payloadAt);
    }

    [Fact]
    public void Unknown_extensions_are_skipped_by_their_length()
    {
        // extension 2 (unknown, 3 bytes) then extension 1 (sack, 4 bytes), then a payload "hi".
        byte[] packet = [.. Convert.FromHexString("0102" + "0001" + "00000000" + "00000000" + "00000000" + "0005" + "0004"),
            1, 3, 9, 9, 9, 0, 4, 1, 2, 3, 4, (byte)'h', (byte)'i'];
        Assert.True(UtpPacket.TryParse(packet, out var header, out var sack, out int payloadAt, out string? error), error);
        Assert.Equal(UtpType.Data, header.Type);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, sack.ToArray());
        Assert.Equal("hi", System.Text.Encoding.ASCII.GetString(packet.AsSpan(payloadAt)));
    }

    /// <summary>
    /// BEP 29 asks for selective acks in multiples of 4 bytes, but libtorrent 2.0.8 sends 2 and
    /// 3 bytes (as many as its reorder buffer spans); refusing them dropped every packet of a
    /// connection with a hole in it until both sides timed out (seen as a 50 s stall).
    /// </summary>
    [Theory]
    [InlineData("0000", 0)]
    [InlineData("000080", 1)]
    [InlineData("ff", 8)]
    public void A_selective_ack_of_any_length_is_read_as_libtorrent_sends_them(string mask, int set)
    {
        byte[] bytes = Convert.FromHexString(mask);
        byte[] packet = [.. Convert.FromHexString("2101" + "0001" + "00000000" + "00000000" + "00100000" + "0005" + "0004"), 0, (byte)bytes.Length, .. bytes];
        Assert.True(UtpPacket.TryParse(packet, out var header, out var sack, out int payloadAt, out string? error), error);
        Assert.Equal(UtpType.State, header.Type);
        Assert.Equal(bytes, sack.ToArray());
        Assert.Equal(packet.Length, payloadAt);
        Assert.Equal(set, sack.ToArray().Sum(b => System.Numerics.BitOperations.PopCount(b)));
    }

    [Theory]
    [InlineData("01", "shorter than the uTP header")]
    [InlineData("02000001000000000000000000000000000100000", "not uTP version 1")]
    public void Malformed_datagrams_are_refused_with_a_reason(string hex, string reason)
    {
        byte[] bytes = Convert.FromHexString(hex.Length % 2 == 0 ? hex : hex + "0");
        Assert.False(UtpPacket.TryParse(bytes, out _, out _, out _, out string? error));
        Assert.Contains(reason, error);
    }

    [Fact]
    public void Extensions_that_run_past_the_end_or_too_many_are_refused()
    {
        byte[] header = Convert.FromHexString("0101" + "0001" + "00000000" + "00000000" + "00000000" + "0005" + "0004");
        Assert.False(UtpPacket.TryParse([.. header, 0, 8, 1, 2], out _, out _, out _, out string? e1));
        Assert.Contains("runs past", e1);
        byte[] chain = [.. header[..1], 2, .. header[2..]];
        for (int i = 0; i < 9; i++)
            chain = [.. chain, 2, 0];
        Assert.False(UtpPacket.TryParse(chain, out _, out _, out _, out string? e3));
        Assert.Contains("more than 8 extensions", e3);
    }

    [Fact]
    public void Valid_packets_cut_or_damaged_anywhere_parse_or_fail_cleanly()
    {
        var random = new Random(29);
        var buffer = new byte[200];
        int length = UtpPacket.WriteHeader(buffer, new UtpHeader(UtpType.Data, 1, 2, 3, 4, 5, 6), [0xFF, 0, 0, 1]);
        byte[] valid = [.. buffer.AsSpan(0, length), .. TestData.Random(50, 3)];
        var errors = new HashSet<string>();
        for (int i = 0; i < 5000; i++)
        {
            var mutant = (byte[])valid.Clone();
            if (i % 2 == 0)
                mutant = mutant[..random.Next(mutant.Length + 1)];
            else
                mutant[random.Next(30)] ^= (byte)random.Next(1, 256);
            if (!UtpPacket.TryParse(mutant, out _, out var sack, out int payloadAt, out string? error))
                errors.Add(System.Text.RegularExpressions.Regex.Replace(error!, @"\d+", "N"));
            else
                Assert.InRange(payloadAt, UtpPacket.HeaderLength, mutant.Length); // never past the end
        }
        Assert.True(errors.Count >= 4, string.Join(" | ", errors));
    }

    [Theory]
    [InlineData(1, 2, true)]
    [InlineData(65535, 0, true)]   // wraps
    [InlineData(0, 65535, false)]
    [InlineData(5, 5, false)]
    [InlineData(100, 100 + 0x7FFF, true)]
    public void Sequence_numbers_compare_across_the_wrap(int a, int b, bool before) =>
        Assert.Equal(before, UtpPacket.Before((ushort)a, (ushort)b));
}

using System.Text;

namespace Shoal.Wire;

/// <summary>The 68-byte BEP 3 handshake: protocol string, reserved bits, info-hash, peer id.</summary>
internal readonly record struct Handshake(byte[] Reserved, byte[] InfoHash, byte[] PeerId)
{
    public const int Length = 68;
    private static ReadOnlySpan<byte> Protocol => "BitTorrent protocol"u8;

    /// <summary>BEP 10: reserved byte 5, bit 0x10.</summary>
    public bool SupportsExtensions => (Reserved[5] & 0x10) != 0;
    /// <summary>BEP 6: reserved byte 7, bit 0x04.</summary>
    public bool SupportsFast => (Reserved[7] & 0x04) != 0;
    /// <summary>BEP 5: reserved byte 7, bit 0x01.</summary>
    public bool SupportsDht => (Reserved[7] & 0x01) != 0;

    /// <summary>The reserved bits Shoal sends: extension protocol and fast extension.</summary>
    public static byte[] OurReserved()
    {
        var reserved = new byte[8];
        reserved[5] |= 0x10;
        reserved[7] |= 0x04;
        return reserved;
    }

    public void Write(Span<byte> destination)
    {
        destination[0] = 19;
        Protocol.CopyTo(destination[1..]);
        Reserved.CopyTo(destination[20..]);
        InfoHash.CopyTo(destination[28..]);
        PeerId.CopyTo(destination[48..]);
    }

    public byte[] ToBytes()
    {
        var bytes = new byte[Length];
        Write(bytes);
        return bytes;
    }

    /// <summary>
    /// Parses a handshake from the start of <paramref name="data"/>: <see cref="ParseStatus.NeedMore"/>
    /// until 68 bytes are there, an error when the protocol string is wrong.
    /// </summary>
    public static ParseStatus TryParse(ReadOnlySpan<byte> data, out Handshake handshake, out string? error)
    {
        handshake = default;
        error = null;
        if (data.Length >= 1 && data[0] != 19)
        {
            error = $"handshake: protocol name length {data[0]}, expected 19";
            return ParseStatus.Error;
        }
        int known = Math.Min(data.Length, 20) - 1;
        if (known > 0 && !data.Slice(1, known).SequenceEqual(Protocol[..known]))
        {
            error = "handshake: protocol is not \"BitTorrent protocol\"";
            return ParseStatus.Error;
        }
        if (data.Length < Length)
            return ParseStatus.NeedMore;
        handshake = new Handshake(data[20..28].ToArray(), data[28..48].ToArray(), data[48..68].ToArray());
        return ParseStatus.Done;
    }

    public override string ToString() => $"handshake {Convert.ToHexStringLower(InfoHash)} from {Encoding.ASCII.GetString(PeerId[..8])}";
}

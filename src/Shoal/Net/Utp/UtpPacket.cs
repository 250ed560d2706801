using System.Buffers.Binary;

namespace Shoal.Net.Utp;

/// <summary>uTP packet types (BEP 29).</summary>
internal enum UtpType : byte
{
    Data = 0,
    Fin = 1,
    State = 2,
    Reset = 3,
    Syn = 4,
}

/// <summary>The 20-byte uTP header, and the selective-ack bitmask when one follows it.</summary>
internal readonly record struct UtpHeader(UtpType Type, ushort ConnectionId, uint Timestamp, uint TimestampDifference, uint Window, ushort Seq, ushort Ack)
{
    public static readonly byte[] NoSack = [];
}

/// <summary>
/// The uTP wire format, pure: the version 1 header (type and version in the first byte, then the
/// first extension, the connection id, the timestamps, the window, seq_nr and ack_nr, all big
/// endian) and its linked list of extensions, of which selective ack (1) is read and the rest
/// skipped by their length.
/// </summary>
internal static class UtpPacket
{
    public const int HeaderLength = 20;
    private const byte Version = 1;
    private const byte SackExtension = 1;
    /// <summary>Extensions beyond this many in one packet are a packet we refuse.</summary>
    private const int MaxExtensions = 8;

    /// <summary>Whether a datagram is one to hand to uTP: version 1, a known type, a whole header.</summary>
    public static bool Claims(ReadOnlySpan<byte> datagram) =>
        datagram.Length >= HeaderLength && (datagram[0] & 0x0F) == Version && datagram[0] >> 4 <= (int)UtpType.Syn;

    /// <summary>
    /// Reads a packet: its header, its selective-ack bitmask (empty when none) and where the
    /// payload starts; false with <paramref name="error"/> for anything malformed.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> datagram, out UtpHeader header, out ReadOnlySpan<byte> sack, out int payloadOffset, out string? error)
    {
        header = default;
        sack = default;
        payloadOffset = 0;
        if (!Claims(datagram))
        {
            error = datagram.Length < HeaderLength ? $"a {datagram.Length}-byte datagram is shorter than the uTP header" : "not uTP version 1";
            return false;
        }
        header = new UtpHeader(
            (UtpType)(datagram[0] >> 4),
            BinaryPrimitives.ReadUInt16BigEndian(datagram[2..]),
            BinaryPrimitives.ReadUInt32BigEndian(datagram[4..]),
            BinaryPrimitives.ReadUInt32BigEndian(datagram[8..]),
            BinaryPrimitives.ReadUInt32BigEndian(datagram[12..]),
            BinaryPrimitives.ReadUInt16BigEndian(datagram[16..]),
            BinaryPrimitives.ReadUInt16BigEndian(datagram[18..]));
        int at = HeaderLength;
        byte extension = datagram[1];
        for (int count = 0; extension != 0; count++)
        {
            if (count == MaxExtensions)
            {
                error = $"more than {MaxExtensions} extensions";
                return false;
            }
            if (at + 2 > datagram.Length)
            {
                error = $"extension {extension} cut off at offset {at}";
                return false;
            }
            byte next = datagram[at];
            int length = datagram[at + 1];
            at += 2;
            if (at + length > datagram.Length)
            {
                error = $"extension {extension} of {length} bytes runs past the packet's end at offset {at}";
                return false;
            }
            if (extension == SackExtension)
                sack = datagram.Slice(at, length); // BEP 29 says a multiple of 4 bytes; libtorrent sends 2 or 3 as well
            at += length;
            extension = next;
        }
        payloadOffset = at;
        error = null;
        return true;
    }

    /// <summary>Writes a header (and a selective ack when <paramref name="sack"/> is not empty) into <paramref name="into"/>; returns its length.</summary>
    public static int WriteHeader(Span<byte> into, in UtpHeader header, ReadOnlySpan<byte> sack)
    {
        into[0] = (byte)(((int)header.Type << 4) | Version);
        into[1] = sack.IsEmpty ? (byte)0 : SackExtension;
        BinaryPrimitives.WriteUInt16BigEndian(into[2..], header.ConnectionId);
        BinaryPrimitives.WriteUInt32BigEndian(into[4..], header.Timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(into[8..], header.TimestampDifference);
        BinaryPrimitives.WriteUInt32BigEndian(into[12..], header.Window);
        BinaryPrimitives.WriteUInt16BigEndian(into[16..], header.Seq);
        BinaryPrimitives.WriteUInt16BigEndian(into[18..], header.Ack);
        if (sack.IsEmpty)
            return HeaderLength;
        into[HeaderLength] = 0; // no further extension
        into[HeaderLength + 1] = (byte)sack.Length;
        sack.CopyTo(into[(HeaderLength + 2)..]);
        return HeaderLength + 2 + sack.Length;
    }

    /// <summary>Whether sequence number <paramref name="a"/> comes before <paramref name="b"/> (16-bit, wrapping).</summary>
    public static bool Before(ushort a, ushort b) => a != b && (ushort)(b - a) < 0x8000;
}

using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Shoal.Net;

/// <summary>
/// Compact peer addresses (BEP 23, 7, 11, 5): 4 or 16 address bytes, then the port, big-endian;
/// a list is such entries back to back. The one reader and writer for trackers, PEX and the DHT.
/// </summary>
internal static class CompactPeer
{
    public static int Length(AddressFamily family) => family == AddressFamily.InterNetworkV6 ? 18 : 6;

    public static IPEndPoint Read(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length is not (6 or 18))
            throw new FormatException($"a compact address is 6 or 18 bytes, not {bytes.Length}");
        return new IPEndPoint(new IPAddress(bytes[..^2]), BinaryPrimitives.ReadUInt16BigEndian(bytes[^2..]));
    }

    /// <summary>Reads a list of at most <paramref name="max"/> entries; throws <see cref="FormatException"/> when it is not whole entries.</summary>
    public static List<IPEndPoint> ReadList(ReadOnlySpan<byte> bytes, AddressFamily family, int max)
    {
        int entry = Length(family);
        if (bytes.Length % entry != 0)
            throw new FormatException($"a compact address list of {bytes.Length} bytes is not a list of {entry}-byte entries");
        var result = new List<IPEndPoint>();
        for (int at = 0; at < bytes.Length && result.Count < max; at += entry)
            result.Add(Read(bytes.Slice(at, entry)));
        return result;
    }

    public static byte[] ToBytes(IPEndPoint endPoint)
    {
        var bytes = new byte[Length(endPoint.AddressFamily)];
        Write(endPoint, bytes);
        return bytes;
    }

    /// <summary>The entries of <paramref name="family"/> in <paramref name="endPoints"/>, as one list.</summary>
    public static byte[] WriteList(IEnumerable<IPEndPoint> endPoints, AddressFamily family)
    {
        var list = endPoints.Where(e => e.AddressFamily == family).ToList();
        int entry = Length(family);
        var bytes = new byte[list.Count * entry];
        for (int i = 0; i < list.Count; i++)
            Write(list[i], bytes.AsSpan(i * entry));
        return bytes;
    }

    public static void Write(IPEndPoint endPoint, Span<byte> destination)
    {
        endPoint.Address.TryWriteBytes(destination, out int written);
        BinaryPrimitives.WriteUInt16BigEndian(destination[written..], (ushort)endPoint.Port);
    }
}

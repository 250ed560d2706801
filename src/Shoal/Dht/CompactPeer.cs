using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Shoal.Dht;

/// <summary>A compact peer address: 4 or 16 address bytes, then the port (big-endian).</summary>
public static class CompactPeer
{
    public static IPEndPoint Read(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length is not (6 or 18))
            throw new FormatException($"a compact address is 6 or 18 bytes, not {bytes.Length}");
        return new IPEndPoint(new IPAddress(bytes[..^2]), BinaryPrimitives.ReadUInt16BigEndian(bytes[^2..]));
    }

    public static byte[] ToBytes(IPEndPoint endPoint)
    {
        var bytes = new byte[endPoint.AddressFamily == AddressFamily.InterNetworkV6 ? 18 : 6];
        Write(endPoint, bytes);
        return bytes;
    }

    public static void Write(IPEndPoint endPoint, Span<byte> destination)
    {
        endPoint.Address.TryWriteBytes(destination, out int written);
        BinaryPrimitives.WriteUInt16BigEndian(destination[written..], (ushort)endPoint.Port);
    }
}

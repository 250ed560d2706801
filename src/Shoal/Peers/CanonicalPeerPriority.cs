using System.Buffers.Binary;
using System.Net;
using System.Numerics;

namespace Shoal.Peers;

/// <summary>
/// BEP 40: a priority both ends of a connection agree on, crc32-c over the two addresses masked
/// (FF.FF.55.55, more bytes kept the closer they are) and sorted, or over the two ports when the
/// addresses are equal. Higher is dialled first.
/// </summary>
internal static class CanonicalPeerPriority
{
    public static uint Compute(IPEndPoint us, IPEndPoint peer)
    {
        var a = Normalize(us.Address);
        var b = Normalize(peer.Address);
        if (a.AddressFamily != b.AddressFamily)
            return 0;
        if (a.Equals(b))
        {
            Span<byte> ports = stackalloc byte[4];
            ushort low = (ushort)Math.Min(us.Port, peer.Port), high = (ushort)Math.Max(us.Port, peer.Port);
            BinaryPrimitives.WriteUInt16BigEndian(ports, low);
            BinaryPrimitives.WriteUInt16BigEndian(ports[2..], high);
            return Crc32C(ports);
        }
        Span<byte> x = stackalloc byte[16], y = stackalloc byte[16];
        int length = a.GetAddressBytes().Length;
        a.TryWriteBytes(x, out _);
        b.TryWriteBytes(y, out _);
        x = x[..length];
        y = y[..length];
        Mask(x, y);
        Span<byte> both = stackalloc byte[2 * length];
        bool xFirst = x.SequenceCompareTo(y) <= 0;
        (xFirst ? x : y).CopyTo(both);
        (xFirst ? y : x).CopyTo(both[length..]);
        return Crc32C(both);
    }

    /// <summary>
    /// The mask keeps the first two bytes (IPv4) or six (IPv6) whole and 0x55 of the rest; while
    /// the addresses share every whole byte, one more byte is kept whole.
    /// </summary>
    private static void Mask(Span<byte> x, Span<byte> y)
    {
        int whole = x.Length == 4 ? 2 : 6;
        while (whole < x.Length && x[..whole].SequenceEqual(y[..whole]))
            whole++;
        for (int i = whole; i < x.Length; i++)
        {
            x[i] &= 0x55;
            y[i] &= 0x55;
        }
    }

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private static uint Crc32C(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
            crc = BitOperations.Crc32C(crc, b);
        return ~crc;
    }
}

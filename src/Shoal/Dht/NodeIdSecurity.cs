using System.Net;
using System.Net.Sockets;
using System.Numerics;

namespace Shoal.Dht;

/// <summary>
/// BEP 42: a node id tied to the node's public address. The first 21 bits come from CRC32-C of
/// the masked address with 3 random bits (kept in the id's last byte), so one address cannot pick
/// ids near a target at will. Local addresses (loopback, private, link-local) are exempt.
/// </summary>
internal static class NodeIdSecurity
{
    private static readonly byte[] Mask4 = [0x03, 0x0f, 0x3f, 0xff];
    private static readonly byte[] Mask6 = [0x01, 0x03, 0x07, 0x0f, 0x1f, 0x3f, 0x7f, 0xff];

    /// <summary>An id valid for <paramref name="address"/> (a random one when the address is local).</summary>
    public static NodeId Generate(IPAddress address, Random random)
    {
        var id = NodeId.Random(random).Span.ToArray();
        if (IsExempt(address))
            return new NodeId(id);
        int r = id[19] & 0x07;
        uint crc = Crc(address, r);
        id[0] = (byte)(crc >> 24);
        id[1] = (byte)(crc >> 16);
        id[2] = (byte)(((crc >> 8) & 0xf8) | (uint)(id[2] & 0x07));
        return new NodeId(id);
    }

    /// <summary>Whether <paramref name="id"/> is one <paramref name="address"/> may use (always, for a local address).</summary>
    public static bool IsValid(NodeId id, IPAddress address)
    {
        if (IsExempt(address))
            return true;
        var bytes = id.Span;
        uint crc = Crc(address, bytes[19] & 0x07);
        return bytes[0] == (byte)(crc >> 24) && bytes[1] == (byte)(crc >> 16) && (bytes[2] & 0xf8) == ((crc >> 8) & 0xf8);
    }

    public static bool IsExempt(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address))
            return true;
        var b = address.GetAddressBytes();
        if (address.AddressFamily == AddressFamily.InterNetwork)
            return b[0] == 10 || (b[0] == 172 && (b[1] & 0xf0) == 16) || (b[0] == 192 && b[1] == 168) || (b[0] == 169 && b[1] == 254);
        return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal;
    }

    private static uint Crc(IPAddress address, int r)
    {
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        var bytes = address.GetAddressBytes();
        var mask = address.AddressFamily == AddressFamily.InterNetwork ? Mask4 : Mask6;
        uint crc = uint.MaxValue;
        for (int i = 0; i < mask.Length; i++)
        {
            byte b = (byte)(bytes[i] & mask[i]);
            if (i == 0)
                b |= (byte)(r << 5);
            crc = BitOperations.Crc32C(crc, b);
        }
        return ~crc;
    }
}

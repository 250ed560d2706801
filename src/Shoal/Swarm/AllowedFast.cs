using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;

namespace Shoal.Swarm;

/// <summary>The BEP 6 allowed-fast set: pieces a peer may request while choked, derived from its address.</summary>
internal static class AllowedFast
{
    public const int DefaultCount = 10;

    /// <summary>The canonical set for an IPv4 peer (BEP 6); empty for IPv6, which the BEP does not define.</summary>
    public static List<int> Compute(IPAddress address, ReadOnlySpan<byte> infoHash, int pieceCount, int count)
    {
        var set = new List<int>();
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || pieceCount == 0)
            return set;
        count = Math.Min(count, pieceCount);
        Span<byte> x = stackalloc byte[24];
        address.GetAddressBytes().CopyTo(x);
        x[3] = 0; // the /24 network
        infoHash[..20].CopyTo(x[4..]);
        Span<byte> hash = stackalloc byte[20];
        SHA1.HashData(x, hash);
        while (set.Count < count)
        {
            for (int i = 0; i < 5 && set.Count < count; i++)
            {
                uint y = BinaryPrimitives.ReadUInt32BigEndian(hash[(i * 4)..]);
                int index = (int)(y % (uint)pieceCount);
                if (!set.Contains(index))
                    set.Add(index);
            }
            SHA1.HashData(hash.ToArray(), hash);
        }
        return set;
    }
}

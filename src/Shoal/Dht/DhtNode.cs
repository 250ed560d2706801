using System.Net;
using System.Net.Sockets;
using Shoal.Net;

namespace Shoal.Dht;

/// <summary>A DHT node as the wire carries it: id and UDP address (26 bytes compact for IPv4, 38 for IPv6).</summary>
internal readonly record struct DhtNode(NodeId Id, IPEndPoint EndPoint)
{
    public const int CompactLength4 = NodeId.Length + 6;
    public const int CompactLength6 = NodeId.Length + 18;

    public static int CompactLength(AddressFamily family) => family == AddressFamily.InterNetworkV6 ? CompactLength6 : CompactLength4;

    /// <summary>Reads a compact node list; throws <see cref="FormatException"/> when its length is not a whole number of nodes.</summary>
    public static List<DhtNode> ReadCompact(ReadOnlySpan<byte> bytes, AddressFamily family, int max)
    {
        int entry = CompactLength(family);
        if (bytes.Length % entry != 0)
            throw new FormatException($"a compact node list of {bytes.Length} bytes is not a list of {entry}-byte nodes");
        var nodes = new List<DhtNode>();
        for (int at = 0; at < bytes.Length && nodes.Count < max; at += entry)
        {
            var id = new NodeId(bytes.Slice(at, NodeId.Length));
            nodes.Add(new DhtNode(id, CompactPeer.Read(bytes.Slice(at + NodeId.Length, entry - NodeId.Length))));
        }
        return nodes;
    }

    public static byte[] WriteCompact(IEnumerable<DhtNode> nodes, AddressFamily family)
    {
        var list = nodes.Where(n => n.EndPoint.AddressFamily == family).ToList();
        int entry = CompactLength(family);
        var bytes = new byte[list.Count * entry];
        for (int i = 0; i < list.Count; i++)
        {
            list[i].Id.Span.CopyTo(bytes.AsSpan(i * entry));
            CompactPeer.Write(list[i].EndPoint, bytes.AsSpan(i * entry + NodeId.Length));
        }
        return bytes;
    }
}

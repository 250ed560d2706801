using System.Net.Sockets;
using Shoal.Bencode;
using Shoal.Storage;

namespace Shoal.Dht;

/// <summary>The saved node id and routing table: a bencoded dictionary of id, nodes and nodes6 (compact).</summary>
internal static class DhtStateFile
{
    public const int MaxBytes = 256 * 1024;

    public sealed record State(NodeId Id, IReadOnlyList<DhtNode> Nodes);

    public static void Save(string path, State state)
    {
        var dictionary = new BDictionary()
            .Set("id", state.Id.Span.ToArray())
            .Set("nodes", DhtNode.WriteCompact(state.Nodes, AddressFamily.InterNetwork))
            .Set("nodes6", DhtNode.WriteCompact(state.Nodes, AddressFamily.InterNetworkV6));
        AtomicFile.Write(path, BencodeWriter.Encode(dictionary));
    }

    /// <summary>The saved state, or null when there is none or it is unreadable (a damaged file starts afresh).</summary>
    public static State? Load(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists || info.Length > MaxBytes)
                return null;
            if (BencodeReader.Decode(File.ReadAllBytes(path)) is not BDictionary { } top || top["id"] is not BString { Bytes.Length: NodeId.Length } id)
                return null;
            var nodes = new List<DhtNode>();
            if (top["nodes"] is BString v4)
                nodes.AddRange(DhtNode.ReadCompact(v4.Span, AddressFamily.InterNetwork, 2_000));
            if (top["nodes6"] is BString v6)
                nodes.AddRange(DhtNode.ReadCompact(v6.Span, AddressFamily.InterNetworkV6, 2_000));
            return new State(new NodeId(id.Span), nodes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or BencodeException or FormatException)
        {
            return null;
        }
    }
}

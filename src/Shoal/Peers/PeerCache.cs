using System.Net;
using System.Net.Sockets;
using Shoal.Bencode;
using Shoal.Net;
using Shoal.Storage;

namespace Shoal.Peers;

/// <summary>
/// The peers a torrent was connected to, kept beside its resume data (the info-hash with
/// '.peers'), so that a restart can reach the swarm again when no tracker answers. A bencoded
/// dictionary of compact lists ('peers', 'peers6'), written atomically; reading it is bounded
/// like any file from disk, and anything malformed is an empty cache, never an error.
/// </summary>
internal static class PeerCache
{
    /// <summary>The most peers kept: enough to find the swarm again, small enough to read at every start.</summary>
    public const int MaxPeers = 100;
    private const int MaxFileLength = 8 * 1024;

    public static string PathFor(string resumeDirectory, string infoHashHex) => Path.Combine(resumeDirectory, infoHashHex + ".peers");

    public static void Save(string path, IReadOnlyCollection<IPEndPoint> peers)
    {
        var kept = peers.Take(MaxPeers).ToList();
        var dict = new BDictionary();
        dict.Set("peers", new BString(CompactPeer.WriteList(kept, AddressFamily.InterNetwork)));
        dict.Set("peers6", new BString(CompactPeer.WriteList(kept, AddressFamily.InterNetworkV6)));
        AtomicFile.Write(path, BencodeWriter.Encode(dict));
    }

    /// <summary>The cached peers; empty when there is no cache or it is not one.</summary>
    public static List<IPEndPoint> Load(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists || info.Length > MaxFileLength)
                return [];
            if (BencodeReader.Decode(File.ReadAllBytes(path)) is not BDictionary dict)
                return [];
            var peers = new List<IPEndPoint>();
            if (dict["peers"] is BString v4)
                peers.AddRange(CompactPeer.ReadList(v4.Span, AddressFamily.InterNetwork, MaxPeers));
            if (dict["peers6"] is BString v6)
                peers.AddRange(CompactPeer.ReadList(v6.Span, AddressFamily.InterNetworkV6, MaxPeers - peers.Count));
            return [.. peers.Where(p => p.Port != 0)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or BencodeException or FormatException)
        {
            return [];
        }
    }
}

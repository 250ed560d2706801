using System.Security.Cryptography;
using Shoal.Metainfo;

namespace Shoal.Storage;

/// <summary>Checks one piece held in memory against the torrent's v1 and v2 hashes.</summary>
internal static class PieceVerifier
{
    public static bool Verify(Torrent torrent, int piece, ReadOnlySpan<byte> data)
    {
        Span<byte> sha1 = stackalloc byte[20];
        if (torrent.HasV1)
            SHA1.HashData(data, sha1);
        byte[]? leaves = null;
        if (torrent.HasV2)
        {
            int v2Length = torrent.Space.V2Data(piece).DataLength;
            leaves = new byte[MerkleTree.BlockCount(v2Length) * MerkleTree.HashSize];
            MerkleTree.HashBlocks(data[..v2Length], leaves);
        }
        return TorrentVerifier.Matches(torrent, piece, torrent.HasV1 ? sha1 : default, leaves);
    }
}

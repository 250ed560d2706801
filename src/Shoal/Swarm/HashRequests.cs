using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;
using Shoal.Metainfo;

namespace Shoal.Swarm;

/// <summary>
/// Answers BEP 52 hash requests from a torrent's piece layers: the requested run of piece-layer
/// hashes (padded past the end of the layer as the tree is) followed by the uncle hashes up
/// toward the file's root. Requests for other layers (leaf hashes) are declined. Pure: bytes in,
/// bytes out.
/// </summary>
internal static class HashRequests
{
    public const int RequestLength = 48;
    public const int MaxHashes = 512;

    /// <summary>The payload of a 'hash request' (a 'hash reject' repeats it): pieces root, base layer, index, length, proof layers.</summary>
    public static byte[] Request(ReadOnlySpan<byte> root, int baseLayer, int index, int length, int proofLayers)
    {
        var request = new byte[RequestLength];
        root.CopyTo(request);
        BinaryPrimitives.WriteInt32BigEndian(request.AsSpan(32), baseLayer);
        BinaryPrimitives.WriteInt32BigEndian(request.AsSpan(36), index);
        BinaryPrimitives.WriteInt32BigEndian(request.AsSpan(40), length);
        BinaryPrimitives.WriteInt32BigEndian(request.AsSpan(44), proofLayers);
        return request;
    }

    /// <summary>
    /// Builds the payload of a 'hashes' message for <paramref name="request"/> (the 48-byte
    /// payload of a 'hash request'), or returns null when it should be rejected.
    /// </summary>
    public static byte[]? Answer(Torrent torrent, ReadOnlySpan<byte> request, PieceLayerTrees? trees = null)
    {
        if (request.Length != RequestLength || !torrent.HasV2)
            return null;
        var root = request[..32];
        int baseLayer = BinaryPrimitives.ReadInt32BigEndian(request[32..]);
        int index = BinaryPrimitives.ReadInt32BigEndian(request[36..]);
        int length = BinaryPrimitives.ReadInt32BigEndian(request[40..]);
        int proofLayers = BinaryPrimitives.ReadInt32BigEndian(request[44..]);
        int pieceLayer = BitOperations.Log2((uint)(torrent.PieceLength / MerkleTree.BlockSize));
        if (baseLayer != pieceLayer || length < 2 || length > MaxHashes || !BitOperations.IsPow2(length)
            || index < 0 || index % length != 0 || proofLayers < 0 || proofLayers > 64)
            return null;
        if (!torrent.PieceLayers.TryGetValue(Convert.ToHexStringLower(root), out var layer))
            return null; // unknown root, or a file of one piece (no layer to serve)
        int count = layer.Length / MerkleTree.HashSize;
        if (index >= count)
            return null;

        // The tree above the piece layer, padded to a power of two with zero subtrees.
        var levels = trees is null ? BuildLevels(layer.Span, count, pieceLayer)
            : trees.Get(Convert.ToHexStringLower(root), () => BuildLevels(layer.Span, count, pieceLayer));
        int height = levels.Count - 1; // levels[height] is the root
        int rangeHeight = BitOperations.Log2((uint)length);
        if (rangeHeight > height)
            return null;
        // Uncles for proof layers log2(length) .. proofLayers: the sibling of the range's
        // ancestor at each of those heights, lowest first; the root has no sibling.
        // A request for more proof than the tree has gets every uncle up to the root.
        int uncles = Math.Min(Math.Max(0, proofLayers - (rangeHeight - 1)), height - rangeHeight);
        var answer = new byte[RequestLength + (length + uncles) * MerkleTree.HashSize];
        request.CopyTo(answer);
        var output = answer.AsSpan(RequestLength);
        levels[0].AsSpan(index * MerkleTree.HashSize, length * MerkleTree.HashSize).CopyTo(output);
        output = output[(length * MerkleTree.HashSize)..];
        int node = index >> rangeHeight;
        for (int k = 0; k < uncles; k++)
        {
            int level = rangeHeight + k;
            int sibling = node ^ 1;
            levels[level].AsSpan(sibling * MerkleTree.HashSize, MerkleTree.HashSize).CopyTo(output);
            output = output[MerkleTree.HashSize..];
            node >>= 1;
        }
        return answer;
    }

    internal static List<byte[]> BuildLevels(ReadOnlySpan<byte> layer, int count, int pieceLayer)
    {
        int width = (int)MerkleTree.NextPowerOfTwo(count);
        var bottom = new byte[width * MerkleTree.HashSize];
        layer.CopyTo(bottom);
        for (int i = count; i < width; i++)
            MerkleTree.ZeroSubtree(pieceLayer).CopyTo(bottom.AsSpan(i * MerkleTree.HashSize));
        var levels = new List<byte[]> { bottom };
        while (levels[^1].Length > MerkleTree.HashSize)
        {
            var below = levels[^1];
            var above = new byte[below.Length / 2];
            for (int i = 0; i < above.Length / MerkleTree.HashSize; i++)
                SHA256.HashData(below.AsSpan(2 * i * MerkleTree.HashSize, 2 * MerkleTree.HashSize), above.AsSpan(i * MerkleTree.HashSize));
            levels.Add(above);
        }
        return levels;
    }
}

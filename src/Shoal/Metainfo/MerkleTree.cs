using System.Numerics;
using System.Security.Cryptography;

namespace Shoal.Metainfo;

/// <summary>BEP 52 merkle trees: SHA-256 over 16 KiB blocks, binary, padded with zero leaves.</summary>
internal static class MerkleTree
{
    public const int BlockSize = 16 * 1024;
    public const int HashSize = 32;

    private static readonly byte[][] ZeroSubtrees = BuildZeroSubtrees(48);

    private static byte[][] BuildZeroSubtrees(int levels)
    {
        var result = new byte[levels][];
        result[0] = new byte[HashSize];
        Span<byte> pair = stackalloc byte[HashSize * 2];
        for (int i = 1; i < levels; i++)
        {
            result[i - 1].CopyTo(pair);
            result[i - 1].CopyTo(pair[HashSize..]);
            result[i] = SHA256.HashData(pair);
        }
        return result;
    }

    /// <summary>The root of a subtree of 2^<paramref name="height"/> zero leaves.</summary>
    public static ReadOnlySpan<byte> ZeroSubtree(int height) => ZeroSubtrees[height];

    public static long BlockCount(long length) => (length + BlockSize - 1) / BlockSize;

    /// <summary>
    /// Computes the root over <paramref name="nodes"/> (concatenated 32-byte hashes, each the root
    /// of a subtree of the given height), padded with zero subtrees up to <paramref name="width"/> nodes.
    /// </summary>
    public static byte[] Root(ReadOnlySpan<byte> nodes, long width, int height = 0)
    {
        long count = nodes.Length / HashSize;
        if (width < count || !BitOperations.IsPow2(width))
            throw new ArgumentOutOfRangeException(nameof(width), "width must be a power of two covering every node");
        if (count == 0)
            return ZeroSubtrees[height + BitOperations.Log2((ulong)width)].ToArray();
        if (width == 1)
            return nodes[..HashSize].ToArray();

        // Reduce layer by layer in a scratch buffer; the padding beyond the last real node is implicit.
        var layer = nodes.ToArray();
        Span<byte> pair = stackalloc byte[HashSize * 2];
        while (width > 1)
        {
            long next = (count + 1) / 2;
            for (long i = 0; i < next; i++)
            {
                var left = layer.AsSpan((int)(2 * i * HashSize), HashSize);
                left.CopyTo(pair);
                if (2 * i + 1 < count)
                    layer.AsSpan((int)((2 * i + 1) * HashSize), HashSize).CopyTo(pair[HashSize..]);
                else
                    ZeroSubtrees[height].CopyTo(pair[HashSize..]);
                SHA256.HashData(pair, layer.AsSpan((int)(i * HashSize), HashSize));
            }
            count = next;
            width /= 2;
            height++;
        }
        return layer.AsSpan(0, HashSize).ToArray();
    }

    /// <summary>The smallest power of two that is at least <paramref name="n"/> (and at least 1).</summary>
    public static long NextPowerOfTwo(long n) => n <= 1 ? 1 : (long)BitOperations.RoundUpToPowerOf2((ulong)n);

    /// <summary>The pieces root of a file from its leaf (block) hashes.</summary>
    public static byte[] FileRootFromLeaves(ReadOnlySpan<byte> leaves) =>
        Root(leaves, NextPowerOfTwo(leaves.Length / HashSize));

    /// <summary>The pieces root of a file from its piece layer.</summary>
    public static byte[] FileRootFromPieceLayer(ReadOnlySpan<byte> layer, int pieceLength) =>
        Root(layer, NextPowerOfTwo(layer.Length / HashSize), BitOperations.Log2((uint)(pieceLength / BlockSize)));

    /// <summary>The piece-layer hash of one piece from its leaf hashes (padded to a full piece).</summary>
    public static byte[] PieceHashFromLeaves(ReadOnlySpan<byte> leaves, int pieceLength) =>
        Root(leaves, pieceLength / BlockSize);

    /// <summary>Hashes consecutive 16 KiB blocks of <paramref name="data"/> into <paramref name="leaves"/>.</summary>
    public static void HashBlocks(ReadOnlySpan<byte> data, Span<byte> leaves)
    {
        int blocks = (int)BlockCount(data.Length);
        for (int b = 0; b < blocks; b++)
        {
            int start = b * BlockSize;
            var block = data.Slice(start, Math.Min(BlockSize, data.Length - start));
            SHA256.HashData(block, leaves.Slice(b * HashSize, HashSize));
        }
    }
}

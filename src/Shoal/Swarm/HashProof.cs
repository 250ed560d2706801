using System.Numerics;
using System.Security.Cryptography;
using Shoal.Metainfo;

namespace Shoal.Swarm;

/// <summary>
/// Checks a BEP 52 'hashes' answer for a run of a file's piece layer: the run's hashes (padded
/// past the end of the layer with zero subtrees, or truncated there) hash up, with the uncle
/// hashes that follow them, to the file's pieces root. Pure.
/// </summary>
internal static class HashProof
{
    /// <summary>The proof layers to ask for so that an answer for any run reaches the root of a layer <paramref name="width"/> wide (BEP 52 counts the layers inside the run too).</summary>
    public static int ProofLayers(long width) => Math.Max(0, BitOperations.Log2((ulong)width) - 1);

    /// <summary>
    /// Verifies <paramref name="hashes"/> (the answer's hashes) for the run at <paramref name="index"/>
    /// of <paramref name="length"/> piece-layer hashes in a layer of <paramref name="count"/> hashes
    /// whose nodes are subtrees of height <paramref name="pieceLayer"/>; returns the run's real hashes
    /// (those before the end of the layer), or null when they do not prove to <paramref name="root"/>.
    /// </summary>
    public static byte[]? Verify(ReadOnlySpan<byte> root, int pieceLayer, int count, int index, int length, ReadOnlySpan<byte> hashes)
    {
        const int H = MerkleTree.HashSize;
        long width = MerkleTree.NextPowerOfTwo(count);
        if (length < 1 || !BitOperations.IsPow2(length) || length > width || index < 0 || index % length != 0 || index >= count
            || hashes.Length % H != 0)
            return null;
        int uncles = BitOperations.Log2((ulong)width) - BitOperations.Log2((uint)length);
        int real = Math.Min(length, count - index);
        int given = hashes.Length / H - uncles;
        if (given != length && given != real)
            return null;
        var run = new byte[length * H];
        hashes[..(given * H)].CopyTo(run);
        for (int i = given; i < length; i++)
            MerkleTree.ZeroSubtree(pieceLayer).CopyTo(run.AsSpan(i * H));
        for (int i = real; i < given; i++)
        {
            if (!run.AsSpan(i * H, H).SequenceEqual(MerkleTree.ZeroSubtree(pieceLayer)))
                return null; // padding past the end of the layer must be zero subtrees
        }
        var node = MerkleTree.Root(run, length, pieceLayer);
        var proof = hashes[(given * H)..];
        Span<byte> pair = stackalloc byte[2 * H];
        long position = index / length;
        for (int k = 0; k < uncles; k++, position >>= 1)
        {
            var uncle = proof.Slice(k * H, H);
            if ((position & 1) == 0)
            {
                node.CopyTo(pair);
                uncle.CopyTo(pair[H..]);
            }
            else
            {
                uncle.CopyTo(pair);
                node.CopyTo(pair[H..]);
            }
            SHA256.HashData(pair, node);
        }
        return node.AsSpan().SequenceEqual(root) ? run.AsSpan(0, real * H).ToArray() : null;
    }
}

using System.Security.Cryptography;
using Shoal.Metainfo;

namespace Shoal.Tests.Metainfo;

public class MerkleTreeTests
{
    private static byte[] H(params byte[][] parts) => SHA256.HashData(parts.SelectMany(p => p).ToArray());

    [Fact]
    public void OneBlockFileRootIsTheBlockHash()
    {
        var data = TestData.Random(1000, 1);
        var leaves = new byte[32];
        MerkleTree.HashBlocks(data, leaves);
        Assert.Equal(SHA256.HashData(data), MerkleTree.FileRootFromLeaves(leaves));
    }

    [Fact]
    public void OddLeafCountsArePaddedWithZeroHashes()
    {
        var data = TestData.Random(3 * MerkleTree.BlockSize - 10, 2);
        var leaves = new byte[3 * 32];
        MerkleTree.HashBlocks(data, leaves);
        var l = Enumerable.Range(0, 3).Select(i => leaves[(i * 32)..((i + 1) * 32)]).ToArray();
        var expected = H(H(l[0], l[1]), H(l[2], new byte[32]));
        Assert.Equal(expected, MerkleTree.FileRootFromLeaves(leaves));
        Assert.Equal(SHA256.HashData(data[(2 * MerkleTree.BlockSize)..]), l[2]); // the last block is hashed at its own size
    }

    [Fact]
    public void RootFromPieceLayerEqualsRootFromLeaves()
    {
        // 5 blocks, pieces of 2 blocks: the layer has 3 hashes; padding uses zero-subtree hashes.
        var data = TestData.Random(5 * MerkleTree.BlockSize - 1, 3);
        var leaves = new byte[5 * 32];
        MerkleTree.HashBlocks(data, leaves);
        int pieceLength = 2 * MerkleTree.BlockSize;
        var layer = new byte[3 * 32];
        for (int p = 0; p < 3; p++)
        {
            int count = Math.Min(2, 5 - 2 * p);
            MerkleTree.PieceHashFromLeaves(leaves.AsSpan(p * 64, count * 32), pieceLength).CopyTo(layer, p * 32);
        }
        Assert.Equal(MerkleTree.FileRootFromLeaves(leaves), MerkleTree.FileRootFromPieceLayer(layer, pieceLength));
        Assert.Equal(H(new byte[32], new byte[32]), MerkleTree.ZeroSubtree(1).ToArray());
    }
}

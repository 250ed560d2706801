using System.Buffers.Binary;
using System.Security.Cryptography;
using Shoal.Metainfo;
using Shoal.Swarm;

namespace Shoal.Tests.Swarm;

public class HashRequestsTests
{
    private static async Task<(Torrent Torrent, TorrentFile File)> V2Async()
    {
        string dir = TestData.TempDir();
        TestData.WriteFile(Path.Combine(dir, "set", "big.bin"), TestData.Random(20 * 32768 + 1000, 5)); // 21 pieces
        TestData.WriteFile(Path.Combine(dir, "set", "small.bin"), TestData.Random(5000, 6));
        var torrent = await new TorrentBuilder { Version = TorrentVersion.V2, PieceLength = 32768 }.BuildAsync(Path.Combine(dir, "set"));
        return (torrent, torrent.Files.First(f => f.Path.EndsWith("big.bin", StringComparison.Ordinal)));
    }

    private static byte[] Request(ReadOnlySpan<byte> root, int baseLayer, int index, int length, int proof) =>
        HashRequests.Request(root, baseLayer, index, length, proof);

    [Theory]
    [InlineData(4, 4)]
    [InlineData(0, 2)]
    [InlineData(16, 8)]
    [InlineData(0, 32)]
    public async Task Hashes_and_uncles_prove_the_range_up_to_the_pieces_root(int index, int length)
    {
        var (torrent, file) = await V2Async();
        var answer = HashRequests.Answer(torrent, Request(file.PiecesRoot.Span, 1, index, length, 10));
        Assert.NotNull(answer);
        var hashes = answer.AsSpan(48);
        var layer = torrent.PieceLayers[Convert.ToHexStringLower(file.PiecesRoot.Span)].Span;
        int real = Math.Max(0, Math.Min(length, layer.Length / 32 - index));
        Assert.True(hashes[..(real * 32)].SequenceEqual(layer.Slice(index * 32, real * 32)));

        // Fold: the range's own root, then each uncle from the lowest up.
        byte[] node = MerkleTree.Root(hashes[..(length * 32)], length, height: 1);
        int position = index / length;
        var pair = new byte[64];
        for (var uncles = hashes[(length * 32)..]; !uncles.IsEmpty; uncles = uncles[32..])
        {
            (position % 2 == 0 ? node : uncles[..32].ToArray()).CopyTo(pair, 0);
            (position % 2 == 0 ? uncles[..32].ToArray() : node).CopyTo(pair, 32);
            node = SHA256.HashData(pair);
            position /= 2;
        }
        Assert.True(node.AsSpan().SequenceEqual(file.PiecesRoot.Span));
    }

    [Fact]
    public async Task Requests_it_cannot_or_must_not_answer_are_declined()
    {
        var (torrent, file) = await V2Async();
        var small = torrent.Files.First(f => f.Path.EndsWith("small.bin", StringComparison.Ordinal));
        Assert.Null(HashRequests.Answer(torrent, Request(file.PiecesRoot.Span, 0, 0, 4, 0)));    // leaf layer
        Assert.Null(HashRequests.Answer(torrent, Request(file.PiecesRoot.Span, 1, 2, 4, 0)));    // index not a multiple of length
        Assert.Null(HashRequests.Answer(torrent, Request(file.PiecesRoot.Span, 1, 0, 3, 0)));    // length not a power of two
        Assert.Null(HashRequests.Answer(torrent, Request(file.PiecesRoot.Span, 1, 0, 1024, 0))); // too many
        Assert.Null(HashRequests.Answer(torrent, Request(file.PiecesRoot.Span, 1, 64, 2, 0)));   // past the layer
        Assert.Null(HashRequests.Answer(torrent, Request(file.PiecesRoot.Span, 1, 0, 2, -1)));   // negative proof layers
        Assert.Null(HashRequests.Answer(torrent, Request(small.PiecesRoot.Span, 1, 0, 2, 0)));   // one-piece file: no layer
        Assert.Null(HashRequests.Answer(torrent, Request(new byte[32], 1, 0, 2, 0)));            // unknown root
        Assert.Null(HashRequests.Answer(torrent, new byte[47]));
    }
}

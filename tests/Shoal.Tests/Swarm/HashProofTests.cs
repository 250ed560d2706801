using System.Buffers.Binary;
using Shoal.Metainfo;
using Shoal.Swarm;

namespace Shoal.Tests.Swarm;

/// <summary>Checking 'hashes' answers (as a piece-layer fetch does) against what <see cref="HashRequests"/> serves.</summary>
public class HashProofTests
{
    private const int PieceLength = 16 * 1024;
    private const int PieceLayer = 0; // 16 KiB pieces: the piece layer is the block layer

    private static async Task<(Torrent Torrent, TorrentFile File, int Count)> V2Async(int pieces)
    {
        string dir = TestData.TempDir();
        TestData.WriteFile(Path.Combine(dir, "set", "big.bin"), TestData.Random((pieces - 1) * PieceLength + 100, 7));
        TestData.WriteFile(Path.Combine(dir, "set", "small.bin"), TestData.Random(100, 8));
        var torrent = await new TorrentBuilder { Version = TorrentVersion.V2, PieceLength = PieceLength }.BuildAsync(Path.Combine(dir, "set"));
        var file = torrent.Files.First(f => f.Path.EndsWith("big.bin", StringComparison.Ordinal));
        return (torrent, file, pieces);
    }

    private static byte[] Request(ReadOnlySpan<byte> root, int index, int length, int proof) =>
        HashRequests.Request(root, PieceLayer, index, length, proof);

    [Theory]
    [InlineData(5, 8)]      // one run covering a layer padded from 5 to 8
    [InlineData(1300, 512)] // three runs, each with uncles up to the root
    public async Task Every_run_served_proves_to_the_root_and_the_runs_rebuild_the_layer(int pieces, int runLength)
    {
        var (torrent, file, count) = await V2Async(pieces);
        var layer = new List<byte>();
        int proof = HashProof.ProofLayers(MerkleTree.NextPowerOfTwo(count));
        for (int index = 0; index < count; index += runLength)
        {
            var answer = HashRequests.Answer(torrent, Request(file.PiecesRoot.Span, index, runLength, proof));
            Assert.NotNull(answer);
            var hashes = HashProof.Verify(file.PiecesRoot.Span, PieceLayer, count, index, runLength, answer.AsSpan(48));
            Assert.NotNull(hashes);
            layer.AddRange(hashes);
        }
        Assert.Equal(torrent.PieceLayers[Convert.ToHexStringLower(file.PiecesRoot.Span)].ToArray(), layer.ToArray());
    }

    [Fact]
    public async Task A_changed_hash_a_changed_uncle_or_a_short_answer_fails()
    {
        var (torrent, file, count) = await V2Async(1300);
        int proof = HashProof.ProofLayers(MerkleTree.NextPowerOfTwo(count));
        var answer = HashRequests.Answer(torrent, Request(file.PiecesRoot.Span, 512, 512, proof))!.AsSpan(48).ToArray();
        Assert.NotNull(HashProof.Verify(file.PiecesRoot.Span, PieceLayer, count, 512, 512, answer));
        foreach (int at in new[] { 0, 511 * 32 + 5, answer.Length - 1 })
        {
            var tampered = (byte[])answer.Clone();
            tampered[at] ^= 1;
            Assert.Null(HashProof.Verify(file.PiecesRoot.Span, PieceLayer, count, 512, 512, tampered));
        }
        Assert.Null(HashProof.Verify(file.PiecesRoot.Span, PieceLayer, count, 512, 512, answer.AsSpan(0, answer.Length - 32)));
        Assert.Null(HashProof.Verify(file.PiecesRoot.Span, PieceLayer, count, 0, 512, answer)); // right hashes, wrong place
    }
}

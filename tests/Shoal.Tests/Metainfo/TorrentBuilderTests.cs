using Shoal.Metainfo;
using Shoal.Storage;

namespace Shoal.Tests.Metainfo;

public class TorrentBuilderTests
{
    [Theory]
    [InlineData(1L, 16 * 1024)]
    [InlineData(31L << 20, 16 * 1024)]
    [InlineData(32L << 20, 32 * 1024)]
    [InlineData(1L << 30, 1 << 20)]
    [InlineData(4700L << 20, 4 << 20)]
    [InlineData(1L << 40, 16 << 20)]
    public void AutoPieceLengthAimsAtAFewThousandPieces(long size, int expected) =>
        Assert.Equal(expected, TorrentBuilder.AutoPieceLength(size));

    [Fact]
    public void FilesAreOrderedAsRawUtf8PathComponents()
    {
        string[][] paths = [["b"], ["a.b"], ["a", "z"], ["Z"], ["é"], ["a", "b", "c"]];
        var sorted = paths.OrderBy(p => p, Comparer<string[]>.Create(TorrentBuilder.ComparePaths)).Select(p => string.Join('/', p));
        Assert.Equal(["Z", "a/b/c", "a/z", "a.b", "b", "é"], sorted);
    }

    [Theory]
    [InlineData(TorrentVersion.V1)]
    [InlineData(TorrentVersion.V2)]
    [InlineData(TorrentVersion.Hybrid)]
    public async Task SameInputGivesTheSameInfoHashAndVerifies(TorrentVersion version)
    {
        var dir = TestData.TempDir();
        var root = Path.Combine(dir, "content");
        TestData.WriteFile(Path.Combine(root, "odd.bin"), TestData.Random(16384 * 3 + 7, 1));
        TestData.WriteFile(Path.Combine(root, "empty1"), []);
        TestData.WriteFile(Path.Combine(root, "deep", "er", "x.dat"), TestData.Random(1, 2));
        TestData.WriteFile(Path.Combine(root, "deep", "empty2"), []);
        TestData.WriteFile(Path.Combine(root, ".hidden"), TestData.Random(100_000, 3));
        var builder = new TorrentBuilder
        {
            Version = version,
            Trackers = [["http://a/announce", "http://b/announce"], ["udp://c:80"]],
            WebSeeds = ["http://seed/"],
            HttpSeeds = ["http://seed/seed.php", "http://other/s.php"],
            IsPrivate = true,
            Comment = "c",
            Source = "s",
            Workers = 2,
        };
        var first = await builder.BuildAsync(root);
        var second = await (builder with { }).BuildAsync(root);
        Assert.Equal(first.InfoHashes, second.InfoHashes);
        Assert.Equal(first.ToBytes(), second.ToBytes());
        Assert.Equal(5, first.Files.Count(f => !f.IsPadding));
        Assert.Equal(first.Files.Where(f => !f.IsPadding).Select(f => f.Path),
            ["content/.hidden", "content/deep/empty2", "content/deep/er/x.dat", "content/empty1", "content/odd.bin"]);
        Assert.True(first.IsPrivate);
        Assert.Equal([["http://a/announce", "http://b/announce"], ["udp://c:80"]], first.Trackers);

        var reparsed = TorrentParser.Parse(first.ToBytes());
        Assert.Equal(first.InfoHashes, reparsed.InfoHashes);
        Assert.Equal(["http://seed/"], reparsed.WebSeeds);
        Assert.Equal(["http://seed/seed.php", "http://other/s.php"], reparsed.HttpSeeds);
        Assert.True((await TorrentVerifier.VerifyAsync(reparsed, dir)).IsComplete);
    }

    [Theory]
    [InlineData(TorrentVersion.V1)]
    [InlineData(TorrentVersion.V2)]
    [InlineData(TorrentVersion.Hybrid)]
    public async Task VerifyNamesTheExactBadAndMissingPieces(TorrentVersion version)
    {
        var dir = TestData.TempDir();
        var root = Path.Combine(dir, "c");
        TestData.WriteFile(Path.Combine(root, "a.bin"), TestData.Random(16384 * 5 + 100, 1));
        TestData.WriteFile(Path.Combine(root, "b.bin"), TestData.Random(16384 * 2, 2));
        var torrent = await new TorrentBuilder { Version = version, PieceLength = 16384 }.BuildAsync(root);

        // Flip one byte in the third piece of a.bin.
        using (var stream = File.OpenWrite(Path.Combine(root, "a.bin")))
        {
            stream.Position = 16384 * 2 + 5;
            stream.WriteByte(0x5A ^ 0xFF);
        }
        // Truncate b.bin to one piece.
        using (var stream = File.OpenWrite(Path.Combine(root, "b.bin")))
            stream.SetLength(16384);

        var result = await TorrentVerifier.VerifyAsync(torrent, dir);
        Assert.False(result.IsComplete);
        Assert.Equal([2], result.Indices(PieceState.Bad));
        var missing = result.Indices(PieceState.Missing).ToList();
        // v1 pieces straddle a.bin's tail and b.bin; v2 and hybrid align b.bin to piece 6.
        Assert.Equal(version == TorrentVersion.V1 ? [6, 7] : [7], missing);
        Assert.Equal(["c/a.bin"], result.FilesOf(2).Select(f => f.Path));
    }

    [Fact]
    public async Task RefusesEmptyInput()
    {
        var dir = TestData.TempDir();
        await Assert.ThrowsAsync<InvalidOperationException>(() => new TorrentBuilder().BuildAsync(dir));
        TestData.WriteFile(Path.Combine(dir, "empty"), []);
        await Assert.ThrowsAsync<InvalidOperationException>(() => new TorrentBuilder().BuildAsync(dir));
        await Assert.ThrowsAsync<FileNotFoundException>(() => new TorrentBuilder().BuildAsync(Path.Combine(dir, "nope")));
    }
}

using System.Security.Cryptography;
using Shoal.Bencode;
using Shoal.Metainfo;
using Shoal.Storage;

namespace Shoal.Tests.Metainfo;

public class V2TorrentTests
{
    /// <summary>A folder with a multi-piece file, a small file and an empty file, made into a torrent.</summary>
    private static async Task<(Torrent Torrent, string Dir)> Build(TorrentVersion version)
    {
        var dir = TestData.TempDir();
        TestData.WriteFile(Path.Combine(dir, "d", "big.bin"), TestData.Random(100_000, 7));
        TestData.WriteFile(Path.Combine(dir, "d", "sub", "small.txt"), TestData.Random(5000, 8));
        TestData.WriteFile(Path.Combine(dir, "d", "zero"), []);
        var torrent = await new TorrentBuilder { Version = version, PieceLength = 32768 }.BuildAsync(Path.Combine(dir, "d"));
        return (torrent, dir);
    }

    private static BDictionary Decode(Torrent torrent) => (BDictionary)BencodeReader.Decode(torrent.ToBytes());
    private static BDictionary Tree(BDictionary top) => (BDictionary)((BDictionary)top["info"]!)["file tree"]!;
    private static BDictionary FileNode(BDictionary top, string name) => (BDictionary)((BDictionary)Tree(top)[name]!).Get([])!;

    private static void AssertRejected(BDictionary top, string field, string reason)
    {
        var error = Assert.Throws<TorrentFormatException>(() => TorrentParser.Parse(BencodeWriter.Encode(top)));
        Assert.True(error.Field.StartsWith(field, StringComparison.Ordinal), $"field '{error.Field}' ({error.Message}), expected '{field}'");
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task V2LayoutAlignsEveryFileToAPiece()
    {
        var (t, dir) = await Build(TorrentVersion.V2);
        Assert.Equal(TorrentVersion.V2, t.Version);
        Assert.Null(t.InfoHashes.V1);
        Assert.Equal(["d/big.bin", "d/sub/small.txt", "d/zero"], t.Files.Select(f => f.Path));
        Assert.Equal([0L, 131072, 131072 + 32768], t.Files.Select(f => f.Offset));
        Assert.Equal(5, t.PieceCount);
        Assert.Equal(100_000 - 3 * 32768, t.PieceSize(3));
        Assert.Equal(5000, t.PieceSize(4));
        Assert.Single(t.PieceLayers);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(t.InfoBytes.Span)), t.InfoHashes.V2!.Value.ToHex());
        Assert.True((await TorrentVerifier.VerifyAsync(t, dir)).IsComplete);
    }

    [Fact]
    public async Task HybridHasPaddingAndBothHashes()
    {
        var (t, dir) = await Build(TorrentVersion.Hybrid);
        Assert.Equal(["d/big.bin", "d/.pad/31072", "d/sub/small.txt", "d/zero"], t.Files.Select(f => f.Path));
        Assert.True(t.Files[1].IsPadding);
        Assert.NotNull(t.InfoHashes.V1);
        Assert.NotNull(t.InfoHashes.V2);
        Assert.False(t.Files[2].PiecesRoot.IsEmpty);
        Assert.True((await TorrentVerifier.VerifyAsync(t, dir)).IsComplete);
        // The magnet link of a hybrid carries both hashes.
        var magnet = MagnetLink.Parse(t.ToMagnetLink().ToString());
        Assert.Equal(t.InfoHashes, magnet.InfoHashes);
    }

    [Fact]
    public async Task SingleFileTreeHasTheFileAtItsRoot()
    {
        var dir = TestData.TempDir();
        TestData.WriteFile(Path.Combine(dir, "one.bin"), TestData.Random(70_000, 3));
        var t = await new TorrentBuilder { Version = TorrentVersion.V2 }.BuildAsync(Path.Combine(dir, "one.bin"));
        Assert.True(t.IsSingleFile);
        Assert.Equal("one.bin", Assert.Single(t.Files).Path);
        Assert.NotNull(((BDictionary)t.Info["file tree"]!)["one.bin"]);
    }

    [Fact]
    public async Task PieceLayerThatDoesNotMatchItsRootIsRejected()
    {
        var (t, _) = await Build(TorrentVersion.V2);
        var top = Decode(t);
        var layers = (BDictionary)top["piece layers"]!;
        var (key, value) = layers.Entries[0];
        var bad = ((BString)value).Bytes.ToArray();
        bad[5] ^= 1;
        layers.Set(key, new BString(bad));
        AssertRejected(top, "piece layers[d/big.bin]", "does not hash to the file's pieces root");
    }

    [Fact]
    public async Task MissingOrShortPieceLayersAreRejected()
    {
        var (t, _) = await Build(TorrentVersion.V2);
        var top = Decode(t);
        top.Set("piece layers", new BDictionary());
        AssertRejected(top, "piece layers[d/big.bin]", "no layer");

        top = Decode(t);
        var layers = (BDictionary)top["piece layers"]!;
        var (key, value) = layers.Entries[0];
        layers.Set(key, new BString(((BString)value).Bytes[..32]));
        AssertRejected(top, "piece layers[d/big.bin]", "expected 4 hashes");

        top = Decode(t);
        var withoutLayers = new BDictionary();
        foreach (var (k, v) in top.Entries.Where(e => e.Key.Text != "piece layers"))
            withoutLayers.Set(k, v);
        AssertRejected(withoutLayers, "piece layers", "missing");
    }

    [Theory]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("a/b")]
    [InlineData("C:")]
    [InlineData("NUL")]
    [InlineData("")]
    public async Task FileTreePathTraversalIsRejected(string evil)
    {
        var (t, _) = await Build(TorrentVersion.V2);
        var top = Decode(t);
        var tree = Tree(top);
        var sub = (BDictionary)tree["sub"]!;
        var node = (BDictionary)sub["small.txt"]!;
        var evilDir = new BDictionary().Set(new BString(evil), new BDictionary().Set("x", node));
        tree.Set("sub", evilDir);
        var error = Assert.Throws<TorrentFormatException>(() => TorrentParser.Parse(BencodeWriter.Encode(top)));
        Assert.StartsWith("file tree/", error.Field, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StructuralFileTreeErrorsAreRejected()
    {
        var (t, _) = await Build(TorrentVersion.V2);

        var top = Decode(t);
        ((BDictionary)Tree(top)["big.bin"]!).Set("sibling", new BDictionary());
        AssertRejected(top, "file tree/big.bin", "sibling");

        top = Decode(t);
        FileNode(top, "big.bin").Set("pieces root", new byte[31]);
        AssertRejected(top, "file tree/big.bin: pieces root", "32-byte");

        top = Decode(t);
        FileNode(top, "big.bin").Set("length", -1);
        AssertRejected(top, "file tree/big.bin", "negative length");

        top = Decode(t);
        Tree(top).Set(new BString(ReadOnlyMemory<byte>.Empty), new BDictionary().Set("length", 5));
        AssertRejected(top, "file tree", "root must be a directory");

        top = Decode(t);
        Tree(top).Set("emptydir", new BDictionary());
        AssertRejected(top, "file tree/emptydir", "empty directory");

        top = Decode(t);
        ((BDictionary)top["info"]!).Set("piece length", 16384 * 3);
        AssertRejected(top, "piece length", "power of two");

        top = Decode(t);
        ((BDictionary)top["info"]!).Set("piece length", 8192);
        AssertRejected(top, "piece length", "at least 16 KiB");
    }

    [Fact]
    public async Task HybridWhoseHalvesDisagreeIsRejected()
    {
        var (t, _) = await Build(TorrentVersion.Hybrid);
        var top = Decode(t);
        var files = (BList)((BDictionary)top["info"]!)["files"]!;
        ((BDictionary)files[2]).Set("path", new BList([new BString("sub"), new BString("other.txt")]));
        AssertRejected(top, "files[1]", "v2 file tree has 'd/sub/small.txt'");

        top = Decode(t);
        files = (BList)((BDictionary)top["info"]!)["files"]!;
        ((BDictionary)files[1]).Set("length", 31071); // the pad no longer aligns small.txt
        ((BDictionary)top["info"]!).Set("pieces", new byte[20 * 5]);
        AssertRejected(top, "files[1]", "not aligned");
    }
}

using System.Text.Json;
using Shoal.Tests.Common;

namespace Shoal.Interop.Tests;

/// <summary>
/// Torrents made by mktorrent, transmission-create and libtorrent parse here with the info-hashes
/// those programs see; torrents made by `shoal create` load in libtorrent (and, for v1, in
/// Transmission) with the same hashes and files; `shoal verify` agrees with libtorrent's check.
/// </summary>
public class MetainfoInteropTests
{
    private static string NewDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "shoal-interop", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Odd sizes, nesting and empty files: what breaks piece arithmetic and padding.</summary>
    private static string MakeContent(string dir, string name = "content")
    {
        var root = Path.Combine(dir, name);
        var random = new Random(42);
        void Write(string relative, int length)
        {
            var path = Path.Combine(root, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var data = new byte[length];
            random.NextBytes(data);
            File.WriteAllBytes(path, data);
        }
        Write("a.bin", 300_001);
        Write("b/one-byte", 1);
        Write("b/exactly-a-block", 16384);
        Write("b/c/block-plus-one", 16385);
        Write("empty-1", 0);
        Write("b/c/empty-2", 0);
        Write("z.dat", 70_000);
        return root;
    }

    private static string SingleFile(string dir)
    {
        var path = Path.Combine(dir, "single.iso");
        var data = new byte[123_457];
        new Random(7).NextBytes(data);
        File.WriteAllBytes(path, data);
        return path;
    }

    private static IEnumerable<(string Path, long Length)> DataFiles(JsonElement info) =>
        info.GetProperty("files").EnumerateArray()
            .Where(f => !f.GetProperty("padding").GetBoolean())
            .Select(f => (f.GetProperty("path").GetString()!, f.GetProperty("length").GetInt64()));

    private static string? Str(JsonElement e, string name) =>
        e.GetProperty(name).ValueKind == JsonValueKind.Null ? null : e.GetProperty(name).GetString();

    private static void AssertSameTorrent(JsonElement expected, JsonElement actual, string what)
    {
        Assert.True(Str(expected, "infoHashV1") == Str(actual, "infoHashV1"), $"{what}: v1 {Str(expected, "infoHashV1")} vs {Str(actual, "infoHashV1")}");
        Assert.True(Str(expected, "infoHashV2") == Str(actual, "infoHashV2"), $"{what}: v2 {Str(expected, "infoHashV2")} vs {Str(actual, "infoHashV2")}");
        Assert.Equal(Str(expected, "name"), Str(actual, "name"));
        Assert.Equal(expected.GetProperty("pieceLength").GetInt32(), actual.GetProperty("pieceLength").GetInt32());
        Assert.Equal(expected.GetProperty("pieceCount").GetInt32(), actual.GetProperty("pieceCount").GetInt32());
        Assert.Equal(expected.GetProperty("private").GetBoolean(), actual.GetProperty("private").GetBoolean());
        Assert.Equal(DataFiles(expected), DataFiles(actual));
    }

    [Theory]
    [InlineData("v1", 16384)]
    [InlineData("v2", 16384)]
    [InlineData("hybrid", 32768)]
    [InlineData("hybrid", 16384)]
    public async Task LibtorrentTorrentsParseWithTheSameHashesAndFiles(string version, int pieceSize)
    {
        var dir = NewDir();
        foreach (var content in new[] { MakeContent(dir), SingleFile(dir) })
        {
            var torrent = Path.Combine(dir, $"lt-{version}-{Path.GetFileName(content)}.torrent");
            await Reference.LibtorrentCreate(content, torrent, version, pieceSize);
            AssertSameTorrent(await Reference.LibtorrentInfo(torrent), await Reference.ShoalInfo(torrent), torrent);
            await Reference.CheckedShoal("verify", torrent, dir);
        }
    }

    [Theory]
    [InlineData(15)] // mktorrent's smallest piece: 32 KiB
    [InlineData(16)]
    [InlineData(20)]
    public async Task MktorrentTorrentsParseWithTheSameHash(int pieceLog2)
    {
        var dir = NewDir();
        foreach (var content in new[] { MakeContent(dir), SingleFile(dir) })
        {
            var torrent = Path.Combine(dir, $"mk-{pieceLog2}-{Path.GetFileName(content)}.torrent");
            await Reference.MkTorrent(content, torrent, pieceLog2);
            var shoal = await Reference.ShoalInfo(torrent);
            AssertSameTorrent(await Reference.LibtorrentInfo(torrent), shoal, torrent);
            Assert.Equal(await Reference.TransmissionHash(torrent), Str(shoal, "infoHashV1"));
            await Reference.CheckedShoal("verify", torrent, dir);
        }
    }

    [Theory]
    [InlineData(16)]
    [InlineData(64)]
    public async Task TransmissionTorrentsParseWithTheSameHash(int pieceKiB)
    {
        var dir = NewDir();
        foreach (var content in new[] { MakeContent(dir), SingleFile(dir) })
        {
            var torrent = Path.Combine(dir, $"tr-{pieceKiB}-{Path.GetFileName(content)}.torrent");
            await Reference.TransmissionCreate(content, torrent, pieceKiB);
            var shoal = await Reference.ShoalInfo(torrent);
            Assert.Equal(await Reference.TransmissionHash(torrent), Str(shoal, "infoHashV1"));
            AssertSameTorrent(await Reference.LibtorrentInfo(torrent), shoal, torrent);
            await Reference.CheckedShoal("verify", torrent, dir);
        }
    }

    [Theory]
    [InlineData("--v1", "16KiB")]
    [InlineData("--v1", "auto")]
    [InlineData("--v2", "16KiB")]
    [InlineData("--v2", "64KiB")]
    [InlineData("--hybrid", "16KiB")]
    [InlineData("--hybrid", "128KiB")]
    public async Task ShoalTorrentsLoadInLibtorrentWithTheSameHashesAndFiles(string version, string pieceSize)
    {
        var dir = NewDir();
        foreach (var content in new[] { MakeContent(dir), SingleFile(dir) })
        {
            var torrent = Path.Combine(dir, $"shoal{version}-{Path.GetFileName(content)}.torrent");
            await Reference.CheckedShoal("create", content, "-o", torrent, version, "--piece-size", pieceSize,
                "-t", "http://127.0.0.1:6969/announce", "-t", "udp://127.0.0.1:6969", "--web-seed", "http://127.0.0.1:8080/", "--private");
            var libtorrent = await Reference.LibtorrentInfo(torrent);
            var shoal = await Reference.ShoalInfo(torrent);
            AssertSameTorrent(libtorrent, shoal, torrent);
            Assert.True(libtorrent.GetProperty("private").GetBoolean());
            Assert.Equal(2, libtorrent.GetProperty("trackers").GetArrayLength());
            Assert.Equal("http://127.0.0.1:8080/", libtorrent.GetProperty("webSeeds")[0].GetString());
            if (version == "--v1")
                Assert.Equal(await Reference.TransmissionHash(torrent), Str(shoal, "infoHashV1"));
            // libtorrent finds every piece of our torrent correct on the original data.
            var have = await Reference.LibtorrentHave(torrent, dir);
            Assert.Equal(shoal.GetProperty("pieceCount").GetInt32(), have.Count);
        }
    }

    [Theory]
    [InlineData("--v1")]
    [InlineData("--v2")]
    [InlineData("--hybrid")]
    public async Task VerifyAgreesWithLibtorrentAfterOneByteIsFlipped(string version)
    {
        var dir = NewDir();
        var content = MakeContent(dir);
        var torrent = Path.Combine(dir, "t.torrent");
        await Reference.CheckedShoal("create", content, "-o", torrent, version, "--piece-size", "16KiB");
        var info = await Reference.ShoalInfo(torrent);

        // Flip one byte in the middle of z.dat, the last file.
        var target = Path.Combine(content, "z.dat");
        var bytes = File.ReadAllBytes(target);
        bytes[40_000] ^= 0x80;
        File.WriteAllBytes(target, bytes);

        var file = info.GetProperty("files").EnumerateArray().First(f => f.GetProperty("path").GetString() == "content/z.dat");
        int expectedPiece = (int)((file.GetProperty("offset").GetInt64() + 40_000) / 16384);

        var result = await ProcessRunner.Shoal("verify", torrent, dir, "--json");
        Assert.Equal(1, result.ExitCode);
        using var report = JsonDocument.Parse(result.Stdout);
        var bad = report.RootElement.GetProperty("badPieces").EnumerateArray().Select(e => e.GetInt32()).ToList();
        Assert.Equal([expectedPiece], bad);
        Assert.Empty(report.RootElement.GetProperty("missingPieces").EnumerateArray());

        var have = await Reference.LibtorrentHave(torrent, dir);
        int pieceCount = info.GetProperty("pieceCount").GetInt32();
        Assert.Equal(Enumerable.Range(0, pieceCount).Where(p => !have.Contains(p)), bad);

        var human = await ProcessRunner.Shoal("verify", torrent, dir);
        Assert.Contains($"piece {expectedPiece} bad: content/z.dat", human.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task V2TorrentOfAOneFileFolderMatchesLibtorrent()
    {
        // BEP 52 cannot describe a folder holding one file: both programs describe the file alone.
        var dir = NewDir();
        var folder = Path.Combine(dir, "folder");
        Directory.CreateDirectory(folder);
        var data = new byte[50_000];
        new Random(3).NextBytes(data);
        File.WriteAllBytes(Path.Combine(folder, "only.bin"), data);
        var ours = Path.Combine(dir, "shoal.torrent");
        var theirs = Path.Combine(dir, "lt.torrent");
        var created = await ProcessRunner.Shoal("create", folder, "-o", ours, "--v2", "--piece-size", "16KiB", "-t", "http://127.0.0.1:6969/announce");
        Assert.Equal(0, created.ExitCode);
        Assert.Contains("describes 'only.bin' alone", created.Stderr, StringComparison.Ordinal);
        await Reference.LibtorrentCreate(folder, theirs, "v2", 16384);
        var shoalInfo = await Reference.ShoalInfo(ours);
        Assert.Equal("only.bin", Str(shoalInfo, "name"));
        AssertSameTorrent(await Reference.LibtorrentInfo(ours), shoalInfo, ours);
        AssertSameTorrent(await Reference.LibtorrentInfo(theirs), await Reference.ShoalInfo(theirs), theirs);
        Assert.Equal(Str(shoalInfo, "infoHashV2"), Str(await Reference.LibtorrentInfo(theirs), "infoHashV2"));
        await Reference.CheckedShoal("verify", ours, folder);
    }
}

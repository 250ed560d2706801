using System.Text.Json;
using Shoal.Metainfo;
using Shoal.Tests.Common;

namespace Shoal.Tests.Cli;

public class CliTests
{
    private static void AssertOneCleanErrorLine(ProcessResult result)
    {
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length is >= 1 and <= 2, result.ToString());
        Assert.StartsWith("shoal: ", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("create", "--help")]
    [InlineData("info", "--help")]
    [InlineData("verify", "--help")]
    [InlineData("magnet", "--help")]
    [InlineData("get", "--help")]
    [InlineData("seed", "--help")]
    [InlineData("demo", "--help")]
    [InlineData("dht-node", "--help")]
    [InlineData("daemon", "--help")]
    public async Task HelpWorksEverywhere(params string[] args)
    {
        var result = await ProcessRunner.Shoal(args);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Usage:", result.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("create")]
    [InlineData("create", "x", "--v1", "--v2")]
    [InlineData("create", "x", "--piece-size", "3000")]
    [InlineData("create", "x", "--piece-size", "lots")]
    [InlineData("info")]
    [InlineData("verify", "a.torrent")]
    [InlineData("frobnicate")]
    [InlineData("info", "x", "--no-such-option")]
    [InlineData("get", "--bogus", "x.torrent")]
    [InlineData("get", "x.torrent", "-q")]
    [InlineData("seed", "x.torrent", ".", "--bogus")]
    [InlineData("get")]
    [InlineData("get", "x.torrent", "--max-down", "fast")]
    [InlineData("get", "x.torrent", "--peer", "nowhere")]
    [InlineData("get", "x.torrent", "--port", "70000")]
    [InlineData("get", "x.torrent", "--seed-time", "forever")]
    [InlineData("get", "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567", "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567")]
    [InlineData("get", "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567", "magnet:?xt=urn:btih:1123456789abcdef0123456789abcdef01234567", "--save-torrent", "x")]
    [InlineData("seed", "x.torrent")]
    [InlineData("demo", "--peers", "0")]
    [InlineData("demo", "--peers", "1001")]
    [InlineData("get", "x.torrent", "--dht-bootstrap", "nowhere")]
    [InlineData("get", "x.torrent", "--dht-bootstrap", "none", "--dht-bootstrap", "127.0.0.1:6881")]
    [InlineData("dht-node", "--port", "70000")]
    [InlineData("dht-node", "--interval", "often")]
    [InlineData("daemon", "--rpc-port", "70000")]
    [InlineData("seed", "x.torrent", ".", "--super-seed", "--initial-seed")]
    [InlineData("demo", "--seed-mode", "sometimes")]
    [InlineData("get", "x.torrent", "--site-map", "/nonexistent/sites.txt")]
    [InlineData("daemon", "--site-map", "/nonexistent/sites.txt")]
    [InlineData("tracker", "--store", "http://127.0.0.1:6379")]
    [InlineData("tracker", "--store", "redis://127.0.0.1:6379/notanumber")]
    [InlineData("tracker", "--store", "redis://127.0.0.1:6379", "--state", "counts.dat")]
    public async Task UsageErrorsExitWithTwo(params string[] args)
    {
        var result = await ProcessRunner.Shoal(args);
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("shoal: ", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
        if (args.FirstOrDefault(a => a is "--bogus" or "-q") is { } unknown)
            Assert.Contains($"'{unknown}'", result.Stderr, StringComparison.Ordinal); // named, not taken for a file
    }

    [Theory]
    [InlineData("daemon")]
    [InlineData("tracker")]
    [InlineData("get")]
    public async Task A_port_in_use_is_one_clean_line_and_exit_one(string verb)
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        string port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var dir = TestData.TempDir();
        string torrentPath = Path.Combine(dir, "x.torrent");
        File.WriteAllBytes(torrentPath, Metainfo.TorrentFactory.Encode(Metainfo.TorrentFactory.V1Multi((["a"], 10))));
        File.WriteAllText(Path.Combine(dir, "settings.json"), """{"dht-enabled": false, "lpd-enabled": false, "peer-port": 0}""");
        string[] args = verb switch
        {
            "daemon" => ["daemon", "--state", dir, "--rpc-port", port],
            "tracker" => ["tracker", "--bind", "127.0.0.1", "--port", port],
            _ => ["get", torrentPath, "-o", dir, "--bind", "127.0.0.1", "--port", port, "--no-dht", "--no-lsd"],
        };
        var result = await ProcessRunner.Shoal(args);
        Assert.Equal(1, result.ExitCode);
        AssertOneCleanErrorLine(result);
        Assert.Contains(port, result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadFilesFailWithOneClearLine()
    {
        var dir = TestData.TempDir();
        var missing = await ProcessRunner.Shoal("info", Path.Combine(dir, "nope.torrent"));
        Assert.Equal(1, missing.ExitCode);
        AssertOneCleanErrorLine(missing);
        Assert.Contains("no such file", missing.Stderr, StringComparison.Ordinal);

        var garbage = Path.Combine(dir, "garbage.torrent");
        File.WriteAllBytes(garbage, TestData.Random(500, 9));
        var bad = await ProcessRunner.Shoal("info", garbage);
        Assert.Equal(1, bad.ExitCode);
        AssertOneCleanErrorLine(bad);
        Assert.Contains("bencode", bad.Stderr, StringComparison.Ordinal);

        var evil = Path.Combine(dir, "evil.torrent");
        File.WriteAllBytes(evil, Metainfo.TorrentFactory.Encode(Metainfo.TorrentFactory.V1Multi((["..", "x"], 10))));
        foreach (var verb in new[] { "info", "magnet" })
        {
            var result = await ProcessRunner.Shoal(verb, evil);
            Assert.Equal(1, result.ExitCode);
            AssertOneCleanErrorLine(result);
            Assert.Contains("files[0].path: path component '..' would escape the download folder", result.Stderr, StringComparison.Ordinal);
        }
        var verify = await ProcessRunner.Shoal("verify", evil, dir);
        Assert.Equal(1, verify.ExitCode);
        AssertOneCleanErrorLine(verify);

        var badMagnet = await ProcessRunner.Shoal("info", "magnet:?xt=urn:btih:1234");
        Assert.Equal(1, badMagnet.ExitCode);
        AssertOneCleanErrorLine(badMagnet);
    }

    /// <summary>The bytes of the top-level "info" value, found by skipping bencode values (a scan of its own, not Shoal's parser).</summary>
    private static byte[] RawInfoDictionary(byte[] torrent)
    {
        int Skip(int at) => torrent[at] switch
        {
            (byte)'i' => Array.IndexOf(torrent, (byte)'e', at) + 1,
            (byte)'l' or (byte)'d' => SkipItems(at + 1),
            _ => SkipString(at),
        };
        int SkipItems(int at)
        {
            while (torrent[at] != (byte)'e')
                at = Skip(at);
            return at + 1;
        }
        int SkipString(int at)
        {
            int colon = Array.IndexOf(torrent, (byte)':', at);
            return colon + 1 + int.Parse(System.Text.Encoding.ASCII.GetString(torrent, at, colon - at), System.Globalization.CultureInfo.InvariantCulture);
        }
        for (int at = 1; torrent[at] != (byte)'e';)
        {
            int keyEnd = SkipString(at);
            bool isInfo = System.Text.Encoding.ASCII.GetString(torrent, at, keyEnd - at) == "4:info";
            int valueEnd = Skip(keyEnd);
            if (isInfo)
                return torrent[keyEnd..valueEnd];
            at = valueEnd;
        }
        throw new InvalidDataException("no info dictionary");
    }

    [Fact]
    public async Task CreateInfoMagnetVerifyWorkTogether()
    {
        var dir = TestData.TempDir();
        var content = Path.Combine(dir, "content");
        TestData.WriteFile(Path.Combine(content, "a.bin"), TestData.Random(100_000, 1));
        TestData.WriteFile(Path.Combine(content, "sub", "b.txt"), TestData.Random(777, 2));
        TestData.WriteFile(Path.Combine(content, "empty"), []);
        var output = Path.Combine(dir, "c.torrent");

        var create = await ProcessRunner.Shoal("create", content, "-o", output, "--hybrid", "-t", "http://a/announce,http://b/announce",
            "-t", "udp://c:6969", "--web-seed", "http://w/", "--piece-size", "32KiB", "--private", "--comment", "hello", "--source", "SRC");
        Assert.True(create.ExitCode == 0, create.ToString());

        var info = await ProcessRunner.Shoal("info", output, "--json");
        Assert.Equal(0, info.ExitCode);
        using var json = JsonDocument.Parse(info.Stdout);
        var root = json.RootElement;
        var torrent = TorrentParser.Load(output);
        Assert.Equal("content", root.GetProperty("name").GetString());
        // The hashes by another road than Shoal's parser: SHA-1 and SHA-256 of the info dictionary's bytes as found by a bare scan.
        var infoBytes = RawInfoDictionary(File.ReadAllBytes(output));
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA1.HashData(infoBytes)), root.GetProperty("infoHashV1").GetString());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(infoBytes)), root.GetProperty("infoHashV2").GetString());
        Assert.Equal(32768, root.GetProperty("pieceLength").GetInt32());
        Assert.Equal(torrent.PieceCount, root.GetProperty("pieceCount").GetInt32());
        Assert.True(root.GetProperty("private").GetBoolean());
        Assert.Equal("[[\"http://a/announce\",\"http://b/announce\"],[\"udp://c:6969\"]]", root.GetProperty("trackers").GetRawText().Replace(" ", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal));
        Assert.Equal("http://w/", root.GetProperty("webSeeds")[0].GetString());
        var files = root.GetProperty("files").EnumerateArray().Select(f => (f.GetProperty("path").GetString(), f.GetProperty("length").GetInt64(), f.GetProperty("padding").GetBoolean())).ToList();
        Assert.Equal([("content/a.bin", 100_000L, false), ("content/.pad/31072", 31072L, true), ("content/empty", 0L, false), ("content/sub/b.txt", 777L, false)], files);
        Assert.Equal(files.Sum(f => f.Item2), root.GetProperty("totalSize").GetInt64());

        var magnet = await ProcessRunner.Shoal("magnet", output);
        Assert.Equal(0, magnet.ExitCode);
        Assert.Equal(torrent.InfoHashes, MagnetLink.Parse(magnet.Stdout.Trim()).InfoHashes);

        var good = await ProcessRunner.Shoal("verify", output, dir);
        Assert.True(good.ExitCode == 0, good.ToString());

        using (var stream = File.OpenWrite(Path.Combine(content, "a.bin")))
        {
            stream.Position = 70_000;
            stream.WriteByte((byte)(TestData.Random(100_000, 1)[70_000] ^ 1));
        }
        var bad = await ProcessRunner.Shoal("verify", output, dir, "--json");
        Assert.Equal(1, bad.ExitCode);
        using var report = JsonDocument.Parse(bad.Stdout);
        Assert.Equal([2], report.RootElement.GetProperty("badPieces").EnumerateArray().Select(e => e.GetInt32()));
        var aFile = report.RootElement.GetProperty("files").EnumerateArray().First(f => f.GetProperty("path").GetString() == "content/a.bin");
        Assert.Equal("bad", aFile.GetProperty("status").GetString());

        var human = await ProcessRunner.Shoal("verify", output, dir);
        Assert.Equal(1, human.ExitCode);
        Assert.Contains("piece 2 bad: content/a.bin", human.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InfoReadsMagnetLinks()
    {
        var result = await ProcessRunner.Shoal("info", "--json", "magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&dn=x&tr=http%3A%2F%2Ft%2Fa");
        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.Equal("c12fe1c06bba254a9dc9f519b335aa7c1367a88a", json.RootElement.GetProperty("infoHashV1").GetString());
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("infoHashV2").ValueKind);
        Assert.Equal("http://t/a", json.RootElement.GetProperty("trackers")[0][0].GetString());
    }
}

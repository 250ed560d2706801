using Shoal.Bencode;
using Shoal.Metainfo;
using static Shoal.Tests.Metainfo.TorrentFactory;

namespace Shoal.Tests.Metainfo;

/// <summary>
/// A corpus of hostile torrents: each must be rejected with a TorrentFormatException that names
/// the field and the reason, never another exception and never a huge allocation.
/// </summary>
public class HostileTorrentTests
{
    public static TheoryData<string, byte[], string, string> Corpus()
    {
        var data = new TheoryData<string, byte[], string, string>();
        void Add(string name, BDictionary torrent, string field, string reason) => data.Add(name, Encode(torrent), field, reason);
        void AddRaw(string name, string text, string field, string reason) => data.Add(name, TestData.Bytes(text), field, reason);

        var valid = Encode(V1Single());
        data.Add("truncated", valid[..(valid.Length / 2)], "bencode", "remain");
        data.Add("truncated at the end", valid[..^1], "bencode", "unterminated dictionary");
        AddRaw("empty file", "", "bencode", "empty input");
        AddRaw("not a dictionary", "li1ee", "torrent", "not a dictionary");
        AddRaw("deep nesting", "d4:info" + new string('l', 5000), "bencode", "nesting deeper");
        AddRaw("huge declared string", "d4:infod4:name4000000000:x", "bencode", "32 bits");
        AddRaw("huge string within 32 bits", "d4:infod6:pieces2147483000:x", "bencode", "remain");
        AddRaw("trailing garbage", "d4:infodee" + "XYZ", "bencode", "unexpected bytes after");
        AddRaw("no info", "d8:announce3:urle", "info", "missing");
        AddRaw("info not a dict", "d4:infoi1ee", "info", "not a dictionary");

        Add("no name", Mutate(t => Info(t).Set("name", new BInteger(3))), "name", "not a string");
        Add("no piece length", Mutate(t => Info(t).Set("piece length", "x")), "piece length", "not an integer");
        Add("zero piece length", Mutate(t => Info(t).Set("piece length", 0)), "piece length", "not positive");
        Add("negative piece length", Mutate(t => Info(t).Set("piece length", -16384)), "piece length", "not positive");
        Add("giant piece length", Mutate(t => Info(t).Set("piece length", 1L << 40)), "piece length", "larger than");
        Add("pieces not multiple of 20", Mutate(t => Info(t).Set("pieces", new byte[59])), "pieces", "not a multiple of 20");
        Add("too few pieces", Mutate(t => Info(t).Set("pieces", new byte[40])), "pieces", "holds 2 hashes");
        Add("too many pieces", Mutate(t => Info(t).Set("pieces", new byte[80])), "pieces", "holds 4 hashes");
        Add("missing pieces", Mutate(t => Info(t).Set("pieces", new BInteger(1))), "pieces", "not a string");
        Add("negative length", Mutate(t => Info(t).Set("length", -1)), "length", "negative length");
        Add("length and files", Mutate(t => Info(t).Set("files", new BList())), "info", "both 'length' and 'files'");
        Add("no data", Mutate(t => Info(t).Set("length", 0).Set("pieces", Array.Empty<byte>())), "info", "holds no data");
        Add("meta version 3", Mutate(t => Info(t).Set("meta version", 3)), "meta version", "not supported");

        Add("name dot-dot", Mutate(t => Info(t).Set("name", "..")), "name", "escape the download folder");
        Add("name with slash", Mutate(t => Info(t).Set("name", "../etc/passwd")), "name", "path separator");
        Add("name absolute", Mutate(t => Info(t).Set("name", "/etc")), "name", "path separator");
        Add("name empty", Mutate(t => Info(t).Set("name", "")), "name", "empty path component");
        Add("name drive letter", Mutate(t => Info(t).Set("name", "C:stuff")), "name", "drive letter");
        Add("name reserved", Mutate(t => Info(t).Set("name", "CON")), "name", "reserved device name");
        Add("name reserved ext", Mutate(t => Info(t).Set("name", "lpt1.txt")), "name", "reserved device name");
        Add("name backslash", Mutate(t => Info(t).Set("name", "a\\..\\..\\b")), "name", "path separator");
        Add("name NUL", Mutate(t => Info(t).Set("name", "a\0b")), "name", "NUL");
        Add("name too long", Mutate(t => Info(t).Set("name", new string('a', 300))), "name", "longer than 255");
        Add("name.utf-8 traversal", Mutate(t => Info(t).Set("name.utf-8", "..")), "name", "escape");

        Add("v1 path traversal", V1Multi((["..", "..", "etc", "passwd"], 10)), "files[0].path", "escape the download folder");
        Add("v1 path dot", V1Multi((["a", ".", "b"], 10)), "files[0].path", "escape");
        Add("v1 absolute path", V1Multi((["/etc/passwd"], 10)), "files[0].path", "path separator");
        Add("v1 empty component", V1Multi((["a", "", "b"], 10)), "files[0].path", "empty path component");
        Add("v1 empty path", V1Multi(([], 10)), "files[0].path", "empty path");
        Add("v1 drive letter", V1Multi((["C:", "Windows"], 10)), "files[0].path", "drive letter");
        Add("v1 reserved name", V1Multi((["aux"], 10)), "files[0].path", "reserved device name");
        Add("v1 duplicate path", V1Multi((["a"], 10), (["a"], 10)), "files", "duplicate path 'folder/a'");
        Add("v1 file and folder", V1Multi((["a"], 10), (["a", "b"], 10)), "files", "both a file and a folder");
        Add("v1 negative file", V1Multi((["a"], -5)), "files[0]", "negative length");
        Add("v1 overflow", V1Multi((["a"], long.MaxValue), (["b"], long.MaxValue)), "files[0]", "overflows");
        Add("v1 path.utf-8 traversal", MutateMulti(f => f.Set("path.utf-8", new BList([new BString(".."), new BString("x")]))), "files[0].path", "escape");
        Add("v1 path element int", MutateMulti(f => f.Set("path", new BList([new BInteger(1)]))), "files[0].path", "not a string");
        Add("v1 files empty", Mutate(t => { Info(t).Set("files", new BList()); }, multi: true), "files", "is empty");
        return data;
    }

    private static BDictionary Mutate(Action<BDictionary> change, bool multi = false)
    {
        var torrent = multi ? V1Multi((["a"], 10)) : V1Single();
        change(torrent);
        return torrent;
    }

    private static BDictionary MutateMulti(Action<BDictionary> changeFirstFile)
    {
        var torrent = V1Multi((["a"], 10));
        changeFirstFile((BDictionary)((BList)Info(torrent)["files"]!)[0]);
        return torrent;
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public void IsRejectedWithItsReason(string name, byte[] data, string field, string reason)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<TorrentFormatException>(() => TorrentParser.Parse(data));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(error.Field == field, $"{name}: field '{error.Field}' ({error.Message}), expected '{field}'");
        Assert.True(error.Message.Contains(reason, StringComparison.Ordinal), $"{name}: '{error.Message}' lacks '{reason}'");
        Assert.True(allocated < 1024 * 1024 + data.Length * 64L, $"{name}: allocated {allocated} bytes");
    }

    /// <summary>The hostile files kept in the repository (tests/Shoal.Tests/Corpus/hostile), copied beside the tests.</summary>
    public static TheoryData<string> CorpusFiles()
    {
        var files = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Corpus", "hostile"), "*.torrent");
        Assert.True(files.Length >= 10, $"the corpus glob found {files.Length} files"); // a glob that matches nothing must not pass quietly
        var data = new TheoryData<string>();
        foreach (var file in files.Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public async Task A_hostile_file_from_the_corpus_is_refused_by_the_parser_and_by_shoal_info_in_one_clean_line(string name)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Corpus", "hostile", name);
        var error = Assert.Throws<TorrentFormatException>(() => TorrentParser.Load(path));
        Assert.False(string.IsNullOrEmpty(error.Field), name);
        var info = await Common.ProcessRunner.Shoal("info", path);
        Assert.Equal(1, info.ExitCode);
        var lines = info.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1 && lines[0].StartsWith("shoal: ", StringComparison.Ordinal), $"{name}: {info}");
        Assert.DoesNotContain("Exception", info.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MutatedRealTorrentsOnlyEverGiveFormatErrors()
    {
        var random = new Random(1234);
        var dir = TestData.TempDir();
        TestData.WriteFile(Path.Combine(dir, "d", "a.bin"), TestData.Random(70000, 1));
        TestData.WriteFile(Path.Combine(dir, "d", "b", "c.bin"), TestData.Random(20000, 2));
        foreach (var version in new[] { TorrentVersion.V1, TorrentVersion.V2, TorrentVersion.Hybrid })
        {
            var original = (await new TorrentBuilder { Version = version, PieceLength = 16384 }
                .BuildAsync(Path.Combine(dir, "d"))).ToBytes();
            for (int i = 0; i < 2000; i++)
            {
                var copy = (byte[])original.Clone();
                int flips = random.Next(1, 4);
                for (int f = 0; f < flips; f++)
                    copy[random.Next(copy.Length)] = (byte)"0123456789ilde:-\0xp"[random.Next(19)];
                var data = random.Next(4) == 0 ? copy[..random.Next(copy.Length)] : copy;
                try
                {
                    TorrentParser.Parse(data);
                }
                catch (TorrentFormatException)
                {
                }
            }
        }
    }
}

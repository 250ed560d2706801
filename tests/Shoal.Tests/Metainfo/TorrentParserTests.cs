using Shoal.Bencode;
using Shoal.Metainfo;
using static Shoal.Tests.Metainfo.TorrentFactory;

namespace Shoal.Tests.Metainfo;

public class TorrentParserTests
{
    [Fact]
    public void ParsesSingleFileV1()
    {
        var torrent = TorrentParser.Parse(Encode(V1Single()));
        Assert.Equal(TorrentVersion.V1, torrent.Version);
        Assert.Equal("file.bin", torrent.Name);
        Assert.True(torrent.IsSingleFile);
        Assert.Equal(3, torrent.PieceCount);
        Assert.Equal(40000 - 2 * 16384, torrent.PieceSize(2));
        Assert.Equal("file.bin", Assert.Single(torrent.Files).Path);
        Assert.Equal([["http://tracker.example/announce"]], torrent.Trackers);
        Assert.Null(torrent.InfoHashes.V2);
    }

    [Fact]
    public void InfoHashIsOverTheOriginalBytesWhateverTheKeyOrder()
    {
        // An info dictionary with keys out of order: the hash must cover these exact bytes.
        var info = "d4:name1:a12:piece lengthi16384e6:lengthi5e6:pieces20:aaaaaaaaaaaaaaaaaaaae";
        var data = TestData.Bytes("d4:info" + info + "e");
        var torrent = TorrentParser.Parse(data);
        var expected = System.Security.Cryptography.SHA1.HashData(TestData.Bytes(info));
        Assert.Equal(Convert.ToHexStringLower(expected), torrent.InfoHashes.V1!.Value.ToHex());
        Assert.Equal(data, torrent.ToBytes());
    }

    [Fact]
    public void MultiFilePathsStartWithTheName()
    {
        var torrent = TorrentParser.Parse(Encode(V1Multi((["a", "b.txt"], 100), (["empty"], 0), (["c"], 20000))));
        Assert.Equal(["folder/a/b.txt", "folder/empty", "folder/c"], torrent.Files.Select(f => f.Path));
        Assert.Equal([0L, 100, 100], torrent.Files.Select(f => f.Offset));
        Assert.Equal(2, torrent.PieceCount);
        Assert.Equal([0, 2], torrent.Space.FilesOfPiece(0));
    }

    [Fact]
    public void ReadsOptionalFields()
    {
        var torrent = V1Single();
        torrent.Set("announce-list", new BList([
            new BList([new BString("udp://a:1"), new BString("http://b/announce")]),
            new BList([new BString("http://c/announce")]),
            new BList([]),
        ]));
        torrent.Set("url-list", "http://seed.example/files/");
        torrent.Set("httpseeds", new BList([new BString("http://hs.example/seed")]));
        torrent.Set("comment", "plain").Set("comment.utf-8", "grüße");
        torrent.Set("created by", "test").Set("creation date", 1700000000);
        Info(torrent).Set("private", 1).Set("source", "SRC").Set("name.utf-8", "naïve.bin");
        var t = TorrentParser.Parse(Encode(torrent));
        Assert.Equal([["udp://a:1", "http://b/announce"], ["http://c/announce"]], t.Trackers);
        Assert.Equal(["http://seed.example/files/"], t.WebSeeds);
        Assert.Equal(["http://hs.example/seed"], t.HttpSeeds);
        Assert.Equal("grüße", t.Comment);
        Assert.Equal("test", t.CreatedBy);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1700000000), t.CreationDate);
        Assert.True(t.IsPrivate);
        Assert.Equal("SRC", t.Source);
        Assert.Equal("naïve.bin", t.Name);
    }

    [Fact]
    public void Bep47PaddingFilesAreMarked()
    {
        var torrent = V1Multi((["a"], 100), ([".pad", "16284"], 16284), (["b"], 10));
        var files = (BList)Info(torrent)["files"]!;
        ((BDictionary)files[1]).Set("attr", "p");
        ((BDictionary)files[2]).Set("attr", "x");
        var t = TorrentParser.Parse(Encode(torrent));
        Assert.Equal([false, true, false], t.Files.Select(f => f.IsPadding));
        Assert.True(t.Files[2].IsExecutable);
        Assert.Equal(16384 + 10, t.TotalSize);
        Assert.Equal(110, t.DataSize);
    }
}

using Shoal.Bencode;

namespace Shoal.Tests.Metainfo;

/// <summary>Builds torrent dictionaries by hand so tests can break exactly one rule at a time.</summary>
internal static class TorrentFactory
{
    public static BDictionary V1Single(long length = 40000, int pieceLength = 16384)
    {
        int pieces = (int)((length + pieceLength - 1) / pieceLength);
        var info = new BDictionary()
            .Set("length", length)
            .Set("name", "file.bin")
            .Set("piece length", pieceLength)
            .Set("pieces", new byte[pieces * 20]);
        return new BDictionary().Set("announce", "http://tracker.example/announce").Set("info", info);
    }

    public static BDictionary V1Multi(params (string[] Path, long Length)[] files)
    {
        // Hostile sizes may overflow; the pieces string then only needs to be plausible.
        long total = files.Aggregate(0L, (sum, f) => unchecked(sum + f.Length));
        int pieces = total is < 0 or > 1L << 30 ? 1 : (int)((total + 16383) / 16384);
        var list = new BList(files.Select(f => (BValue)new BDictionary()
            .Set("length", f.Length)
            .Set("path", new BList(f.Path.Select(p => (BValue)new BString(p))))));
        var info = new BDictionary()
            .Set("files", list)
            .Set("name", "folder")
            .Set("piece length", 16384)
            .Set("pieces", new byte[pieces * 20]);
        return new BDictionary().Set("info", info);
    }

    public static byte[] Encode(BDictionary torrent) => BencodeWriter.Encode(torrent);

    public static BDictionary Info(BDictionary torrent) => (BDictionary)torrent["info"]!;
}

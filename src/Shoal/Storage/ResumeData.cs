using Shoal.Bencode;
using Shoal.Metainfo;
using Shoal.Wire;

namespace Shoal.Storage;

/// <summary>
/// What a torrent had when it last stopped: its verified pieces, and each file's size and
/// modification time then. If the files still match, a restart trusts the pieces without
/// hashing; otherwise (a crash, an edited file) it hashes the data again, so a verified piece
/// on disk is never lost and a changed one is never trusted. Written atomically (temp + rename).
/// </summary>
internal sealed record ResumeData(string InfoHash, string SaveDirectory, Bitfield Pieces, IReadOnlyList<(long Size, long MTime)> Files)
{
    private const int MaxFileLength = 64 * 1024 * 1024;

    public static string FileName(Torrent torrent) => torrent.InfoHashes.Primary.ToHex() + ".resume";

    /// <summary>The sizes and modification times of the torrent's files now (-1 when absent).</summary>
    public static List<(long Size, long MTime)> Snapshot(Torrent torrent, string saveDirectory) =>
        [.. torrent.Files.Select(f =>
        {
            if (f.IsPadding)
                return (0L, 0L);
            var info = new FileInfo(TorrentVerifier.PathOf(saveDirectory, f));
            return info.Exists ? (info.Length, info.LastWriteTimeUtc.Ticks) : (-1L, 0L);
        })];

    public bool MatchesDisk(Torrent torrent, string saveDirectory) =>
        Files.SequenceEqual(Snapshot(torrent, saveDirectory));

    public void Save(string path)
    {
        var dict = new BDictionary();
        dict.Set("info-hash", new BString(InfoHash));
        dict.Set("save-path", new BString(Path.GetFullPath(SaveDirectory)));
        dict.Set("pieces", new BString(Pieces.Bytes.ToArray()));
        dict.Set("piece-count", new BInteger(Pieces.Count));
        dict.Set("files", new BList(Files.Select(f => (BValue)new BList([new BInteger(f.Size), new BInteger(f.MTime)]))));
        AtomicFile.Write(path, BencodeWriter.Encode(dict));
    }

    /// <summary>Loads resume data for <paramref name="torrent"/>; null when absent, unreadable or for another torrent or folder.</summary>
    public static ResumeData? TryLoad(string path, Torrent torrent, string saveDirectory)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists || info.Length > MaxFileLength)
                return null;
            if (BencodeReader.Decode(File.ReadAllBytes(path)) is not BDictionary dict)
                return null;
            string hash = (dict["info-hash"] as BString)?.Text ?? "";
            string save = (dict["save-path"] as BString)?.Text ?? "";
            if (hash != torrent.InfoHashes.Primary.ToHex() || save != Path.GetFullPath(saveDirectory))
                return null;
            if (dict["piece-count"] is not BInteger { } count || count.Value != torrent.PieceCount || dict["pieces"] is not BString pieces)
                return null;
            var bitfield = Bitfield.Parse(pieces.Span, torrent.PieceCount);
            if (dict["files"] is not BList files || files.Count != torrent.Files.Count)
                return null;
            var list = new List<(long, long)>();
            foreach (var item in files.Items)
            {
                if (item is not BList { Count: 2 } pair || pair[0] is not BInteger size || pair[1] is not BInteger mtime)
                    return null;
                list.Add((size.Value, mtime.Value));
            }
            return new ResumeData(hash, save, bitfield, list);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or BencodeException or FormatException)
        {
            return null; // unreadable resume data only costs a re-check
        }
    }
}

using Shoal.Bencode;

namespace Shoal.Tracker;

/// <summary>
/// The tracker's state file: completed-download counts per torrent, so they survive a restart.
/// Bencoded, written atomically (temp file + rename); a damaged file is reported and ignored.
/// </summary>
public static class TrackerState
{
    private const long MaxFileLength = 256L << 20;

    public static void Save(string path, SwarmRegistry registry)
    {
        var torrents = new BDictionary();
        foreach (var (key, completed) in registry.CompletedCounts())
        {
            var entry = new BDictionary();
            entry.Set("completed", new BInteger(completed));
            torrents.Set(new BString(key.ToBytes()), entry);
        }
        var root = new BDictionary();
        root.Set("torrents", torrents);
        root.Set("version", new BInteger(1));
        Shoal.Storage.AtomicFile.Write(path, BencodeWriter.Encode(root));
    }

    /// <summary>Loads the counts; returns how many torrents, or throws <see cref="FormatException"/> for a damaged file.</summary>
    public static int Load(string path, SwarmRegistry registry)
    {
        if (!File.Exists(path))
            return 0;
        if (new FileInfo(path).Length > MaxFileLength)
            throw new FormatException($"state file {path} is larger than {MaxFileLength >> 20} MiB");
        BValue value;
        try
        {
            value = BencodeReader.Decode(File.ReadAllBytes(path));
        }
        catch (BencodeException e)
        {
            throw new FormatException($"state file {path} is damaged: {e.Message}");
        }
        if (value is not BDictionary { } root || root["torrents"] is not BDictionary torrents)
            throw new FormatException($"state file {path} has no 'torrents'");
        var counts = new List<(InfoHashKey, int)>();
        foreach (var (key, entry) in torrents.Entries)
        {
            if (key.Bytes.Length != InfoHashKey.Length || entry is not BDictionary { } d || d["completed"] is not BInteger { Value: >= 0 and <= int.MaxValue } completed)
                throw new FormatException($"state file {path} has a malformed entry");
            counts.Add((InfoHashKey.From(key.Span), (int)completed.Value));
        }
        registry.RestoreCompleted(counts);
        return counts.Count;
    }
}

using System.Numerics;
using System.Security.Cryptography;
using Shoal.Bencode;

namespace Shoal.Metainfo;

/// <summary>
/// Parses and validates .torrent files. Every rule failure names the field and the reason;
/// nothing is allocated beyond what the (already bounded) bencode document holds.
/// </summary>
public static class TorrentParser
{
    /// <summary>The smallest piece length accepted (BEP 52's minimum).</summary>
    public const int MinPieceLength = 16 * 1024;
    /// <summary>The largest piece length accepted.</summary>
    public const int MaxPieceLength = 256 * 1024 * 1024;

    /// <summary>Largest .torrent file we read (bigger ones are refused before reading).</summary>
    public const long MaxTorrentFileSize = 64L * 1024 * 1024;

    /// <summary>Reads and parses a .torrent file; throws <see cref="TorrentFormatException"/> for a bad one and <see cref="IOException"/> when it cannot be read.</summary>
    public static Torrent Load(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
            throw new FileNotFoundException($"no such file: {path}", path);
        if (info.Length > MaxTorrentFileSize)
            throw new TorrentFormatException("file", $"{info.Length} bytes is larger than the {MaxTorrentFileSize / (1024 * 1024)} MiB limit for a .torrent file");
        return Parse(File.ReadAllBytes(path));
    }

    /// <summary>Parses a .torrent, giving the error instead of throwing it.</summary>
    public static bool TryParse(ReadOnlyMemory<byte> data, out Torrent? torrent, out TorrentFormatException? error)
    {
        try
        {
            torrent = Parse(data);
            error = null;
            return true;
        }
        catch (TorrentFormatException e)
        {
            torrent = null;
            error = e;
            return false;
        }
    }

    /// <summary>Parses a .torrent (v2 piece layers required); throws <see cref="TorrentFormatException"/> saying what is wrong.</summary>
    public static Torrent Parse(ReadOnlyMemory<byte> data) => Parse(data, requirePieceLayers: true);

    /// <summary>
    /// Parses a torrent; with <paramref name="requirePieceLayers"/> false, a v2 torrent may lack
    /// piece layers (one made from an info dictionary fetched by BEP 9; peers supply the layers).
    /// </summary>
    public static Torrent Parse(ReadOnlyMemory<byte> data, bool requirePieceLayers)
    {
        BValue root;
        try
        {
            root = BencodeReader.Decode(data);
        }
        catch (BencodeException e)
        {
            throw new TorrentFormatException("bencode", e.Message, e);
        }
        if (root is not BDictionary top)
            throw new TorrentFormatException("torrent", "the top level is not a dictionary");
        if (top["info"] is not BDictionary info)
            throw new TorrentFormatException("info", top.ContainsKey("info") ? "is not a dictionary" : "missing");

        var version = DetectVersion(info);
        string name = ReadName(info);
        int pieceLength = ReadPieceLength(info, version);

        List<TorrentFile> files;
        bool singleFile;
        ReadOnlyMemory<byte> v1Pieces = default;
        Dictionary<string, ReadOnlyMemory<byte>> layers = [];

        if (version == TorrentVersion.V1)
        {
            (files, singleFile) = ReadV1Files(info, name);
        }
        else
        {
            // In a hybrid the v1 part says whether the data is one file or a folder.
            var (v1Files, v1Single) = version == TorrentVersion.Hybrid ? ReadV1Files(info, name) : ([], false);
            (files, singleFile) = V2Metainfo.ReadFileTree(info, name, pieceLength, forceFolder: version == TorrentVersion.Hybrid && !v1Single);
            if (singleFile && version == TorrentVersion.V2)
                name = files[0].PathComponents[0]; // a one-file tree names the file itself (as libtorrent reads it)
            layers = V2Metainfo.ReadPieceLayers(top, files, pieceLength, requirePieceLayers);
            if (version == TorrentVersion.Hybrid)
            {
                files = V2Metainfo.MergeHybrid(files, v1Files, pieceLength);
                singleFile = v1Single;
            }
        }

        CheckUniquePaths(files);
        long total = files.Count == 0 ? 0 : files[^1].EndOffset;
        if (files.All(f => f.Length == 0))
            throw new TorrentFormatException("info", "the torrent holds no data (every file is empty)");
        long pieceCount = (total + pieceLength - 1) / pieceLength;
        if (pieceCount > int.MaxValue)
            throw new TorrentFormatException("piece length", "too many pieces for the total size");

        if (version != TorrentVersion.V2)
        {
            if (info["pieces"] is not BString pieces)
                throw new TorrentFormatException("pieces", info.ContainsKey("pieces") ? "is not a string" : "missing");
            if (pieces.Bytes.Length % 20 != 0)
                throw new TorrentFormatException("pieces", $"length {pieces.Bytes.Length} is not a multiple of 20");
            if (pieces.Bytes.Length / 20 != pieceCount)
                throw new TorrentFormatException("pieces", $"holds {pieces.Bytes.Length / 20} hashes but {total} bytes in pieces of {pieceLength} need {pieceCount}");
            v1Pieces = pieces.Bytes;
        }

        var infoBytes = info.Raw;
        InfoHash? v1Hash = version != TorrentVersion.V2 ? new InfoHash(SHA1.HashData(infoBytes.Span)) : null;
        InfoHash? v2Hash = version != TorrentVersion.V1 ? new InfoHash(SHA256.HashData(infoBytes.Span)) : null;

        return new Torrent
        {
            Name = name,
            Version = version,
            InfoHashes = new InfoHashes(v1Hash, v2Hash),
            PieceLength = pieceLength,
            Files = files,
            IsSingleFile = singleFile,
            PieceHashesV1 = v1Pieces,
            PieceLayers = layers,
            Trackers = ReadTrackers(top),
            WebSeeds = ReadStringOrList(top, "url-list"),
            HttpSeeds = ReadStringOrList(top, "httpseeds"),
            IsPrivate = info["private"] is BInteger { Value: 1 },
            CreationDate = top["creation date"] is BInteger { Value: > 0 and < 253402300800 } date
                ? DateTimeOffset.FromUnixTimeSeconds(date.Value) : null,
            Comment = Text(top, "comment.utf-8") ?? Text(top, "comment"),
            CreatedBy = Text(top, "created by"),
            Source = Text(info, "source"),
            Similar = ReadSimilar(info, top),
            Collections = ReadCollections(info, top),
            InfoBytes = infoBytes,
            Info = info,
        };
    }

    /// <summary>The most BEP 38 hints of each kind kept; a hint of the wrong form is skipped (hints are advice, never a reason to refuse a torrent).</summary>
    public const int MaxHints = 100;

    private static List<InfoHash> ReadSimilar(BDictionary info, BDictionary top) =>
        [.. new[] { info, top }.Select(d => d["similar"]).OfType<BList>().SelectMany(l => l.Items).OfType<BString>()
            .Where(s => s.Bytes.Length == 20).Select(s => new InfoHash(s.Span)).Distinct().Take(MaxHints)];

    private static List<string> ReadCollections(BDictionary info, BDictionary top) =>
        [.. new[] { info, top }.Select(d => d["collections"]).OfType<BList>().SelectMany(l => l.Items).OfType<BString>()
            .Where(s => s.Bytes.Length is > 0 and <= 256).Select(s => s.Text).Distinct(StringComparer.Ordinal).Take(MaxHints)];

    private static TorrentVersion DetectVersion(BDictionary info)
    {
        var metaVersion = info["meta version"];
        if (metaVersion is null)
            return TorrentVersion.V1;
        if (metaVersion is not BInteger { Value: var mv })
            throw new TorrentFormatException("meta version", "is not an integer");
        if (mv != 2)
            throw new TorrentFormatException("meta version", $"version {mv} is not supported (only 2)");
        return info.ContainsKey("pieces") ? TorrentVersion.Hybrid : TorrentVersion.V2;
    }

    private static string ReadName(BDictionary info)
    {
        var raw = info["name.utf-8"] as BString ?? info["name"] as BString
            ?? throw new TorrentFormatException("name", info.ContainsKey("name") ? "is not a string" : "missing");
        string name = TorrentPath.Decode(raw.Span);
        if (TorrentPath.Problem(name) is { } problem)
            throw new TorrentFormatException("name", problem);
        return name;
    }

    private static int ReadPieceLength(BDictionary info, TorrentVersion version)
    {
        if (info["piece length"] is not BInteger { Value: var length })
            throw new TorrentFormatException("piece length", info.ContainsKey("piece length") ? "is not an integer" : "missing");
        if (length <= 0)
            throw new TorrentFormatException("piece length", $"{length} is not positive");
        if (length > MaxPieceLength)
            throw new TorrentFormatException("piece length", $"{length} is larger than {MaxPieceLength}");
        if (version != TorrentVersion.V1 && (length < MinPieceLength || !BitOperations.IsPow2(length)))
            throw new TorrentFormatException("piece length", $"{length} must be a power of two of at least 16 KiB in a v2 torrent");
        return (int)length;
    }

    internal static long ReadLength(BDictionary dict, string field)
    {
        if (dict["length"] is not BInteger { Value: var length })
            throw new TorrentFormatException(field, dict.ContainsKey("length") ? "length is not an integer" : "length missing");
        if (length < 0)
            throw new TorrentFormatException(field, $"negative length {length}");
        return length;
    }

    internal static long CheckedEnd(long offset, long length, string field)
    {
        // Total sizes above 2^62 bytes are absurd and would overflow piece arithmetic.
        const long Limit = 1L << 62;
        if (length > Limit - offset)
            throw new TorrentFormatException(field, "total size overflows");
        return offset + length;
    }

    private static (List<TorrentFile>, bool) ReadV1Files(BDictionary info, string name)
    {
        bool hasLength = info.ContainsKey("length");
        var filesValue = info["files"];
        if (hasLength && filesValue is not null)
            throw new TorrentFormatException("info", "has both 'length' and 'files'");
        if (hasLength)
        {
            long length = ReadLength(info, "length");
            CheckedEnd(0, length, "length");
            return ([new TorrentFile { PathComponents = [name], Length = length, Offset = 0, Attributes = Text(info, "attr") ?? "" }], true);
        }
        if (filesValue is not BList list)
            throw new TorrentFormatException("files", filesValue is null ? "missing (and no 'length')" : "is not a list");
        if (list.Count == 0)
            throw new TorrentFormatException("files", "is empty");

        var files = new List<TorrentFile>(list.Count);
        long offset = 0;
        for (int i = 0; i < list.Count; i++)
        {
            string field = $"files[{i}]";
            if (list[i] is not BDictionary entry)
                throw new TorrentFormatException(field, "is not a dictionary");
            long length = ReadLength(entry, field);
            var pathList = entry["path.utf-8"] as BList ?? entry["path"] as BList
                ?? throw new TorrentFormatException($"{field}.path", entry.ContainsKey("path") ? "is not a list" : "missing");
            var components = new List<string>(pathList.Count + 1) { name };
            foreach (var part in pathList.Items)
            {
                if (part is not BString s)
                    throw new TorrentFormatException($"{field}.path", "has an element that is not a string");
                components.Add(TorrentPath.Decode(s.Span));
            }
            if (components.Count == 1)
                throw new TorrentFormatException($"{field}.path", "empty path");
            TorrentPath.Validate($"{field}.path", components);
            string attr = Text(entry, "attr") ?? "";
            // Old BitComet-style padding files predate BEP 47's attribute.
            if (components[^1].StartsWith("_____padding_file_", StringComparison.Ordinal) && !attr.Contains('p'))
                attr += "p";
            files.Add(new TorrentFile { PathComponents = components, Length = length, Offset = offset, Attributes = attr });
            offset = CheckedEnd(offset, length, field);
        }
        return (files, false);
    }

    private static void CheckUniquePaths(List<TorrentFile> files)
    {
        var filePaths = new HashSet<string>(StringComparer.Ordinal);
        var directories = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            if (file.IsPadding)
                continue;
            string path = file.Path;
            if (!filePaths.Add(path))
                throw new TorrentFormatException("files", $"duplicate path '{path}'");
            for (int i = 1; i < file.PathComponents.Count; i++)
                directories.Add(string.Join('/', file.PathComponents.Take(i)));
        }
        foreach (var dir in directories)
        {
            if (filePaths.Contains(dir))
                throw new TorrentFormatException("files", $"'{dir}' is both a file and a folder");
        }
    }

    private static List<IReadOnlyList<string>> ReadTrackers(BDictionary top)
    {
        var tiers = new List<IReadOnlyList<string>>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        if (top["announce-list"] is BList announceList)
        {
            foreach (var tierValue in announceList.Items)
            {
                if (tierValue is not BList tier)
                    continue;
                var urls = tier.Items.OfType<BString>().Select(s => s.Text.Trim())
                    .Where(u => u.Length > 0 && seen.Add(u)).ToList();
                if (urls.Count > 0)
                    tiers.Add(urls);
            }
        }
        // BEP 12: 'announce' is ignored when 'announce-list' is present, unless the list is unusable.
        if (tiers.Count == 0 && Text(top, "announce") is { Length: > 0 } announce)
            tiers.Add([announce.Trim()]);
        return tiers;
    }

    private static List<string> ReadStringOrList(BDictionary dict, string key) => dict[key] switch
    {
        BString s when s.Bytes.Length > 0 => [s.Text],
        BList l => [.. l.Items.OfType<BString>().Select(s => s.Text).Where(s => s.Length > 0)],
        _ => [],
    };

    internal static string? Text(BDictionary dict, string key) => dict[key] is BString s ? s.Text : null;
}

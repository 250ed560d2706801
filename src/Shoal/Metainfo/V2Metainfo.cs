using Shoal.Bencode;

namespace Shoal.Metainfo;

/// <summary>
/// The v2 half of <see cref="TorrentParser"/> (BEP 52): the file tree, the piece layers checked
/// against each file's pieces root, and a hybrid's two file lists checked against each other.
/// </summary>
internal static class V2Metainfo
{
    public static (List<TorrentFile>, bool) ReadFileTree(BDictionary info, string name, int pieceLength, bool forceFolder)
    {
        if (info["file tree"] is not BDictionary tree)
            throw new TorrentFormatException("file tree", info.ContainsKey("file tree") ? "is not a dictionary" : "missing");
        if (tree.Count == 0)
            throw new TorrentFormatException("file tree", "is empty");
        if (tree.Get([]) is not null)
            throw new TorrentFormatException("file tree", "the root must be a directory, not a file");

        var found = new List<(List<string> Path, long Length, ReadOnlyMemory<byte> Root, string Attr)>();
        var path = new List<string>();
        WalkTree(tree, path, found);

        // BEP 52: a tree with one file at its root is a single-file torrent; otherwise the files
        // live in a folder called 'name'.
        bool singleFile = !forceFolder && found.Count == 1 && found[0].Path.Count == 1;
        var files = new List<TorrentFile>(found.Count);
        long offset = 0;
        foreach (var (filePath, length, root, attr) in found)
        {
            var components = singleFile ? filePath : [name, .. filePath];
            string field = $"file tree/{string.Join('/', filePath)}";
            TorrentPath.Validate(field, components);
            files.Add(new TorrentFile { PathComponents = components, Length = length, Offset = offset, PiecesRoot = root, Attributes = attr });
            long end = TorrentParser.CheckedEnd(offset, length, field);
            // Every non-empty file starts on a piece boundary.
            offset = end % pieceLength == 0 ? end : TorrentParser.CheckedEnd(end, pieceLength - end % pieceLength, field);
        }
        return (files, singleFile);
    }

    private static void WalkTree(BDictionary node, List<string> path, List<(List<string>, long, ReadOnlyMemory<byte>, string)> found)
    {
        foreach (var (key, value) in node.Entries)
        {
            string field = $"file tree/{string.Join('/', [.. path, TorrentPath.Decode(key.Span)])}";
            if (value is not BDictionary child)
                throw new TorrentFormatException(field, "is not a dictionary");
            if (key.Bytes.Length == 0)
                throw new TorrentFormatException(field, "a file entry ('') appears beside other entries");
            path.Add(TorrentPath.Decode(key.Span));
            if (child.Get([]) is { } fileValue)
            {
                if (child.Count != 1)
                    throw new TorrentFormatException(field, "a file has sibling entries");
                if (fileValue is not BDictionary file)
                    throw new TorrentFormatException(field, "file entry is not a dictionary");
                long length = TorrentParser.ReadLength(file, field);
                ReadOnlyMemory<byte> root = default;
                if (length > 0)
                {
                    if (file["pieces root"] is not BString { Bytes.Length: MerkleTree.HashSize } r)
                        throw new TorrentFormatException($"{field}: pieces root", file.ContainsKey("pieces root") ? "is not a 32-byte string" : "missing for a non-empty file");
                    root = r.Bytes;
                }
                found.Add(([.. path], length, root, TorrentParser.Text(file, "attr") ?? ""));
            }
            else
            {
                if (child.Count == 0)
                    throw new TorrentFormatException(field, "empty directory");
                WalkTree(child, path, found);
            }
            path.RemoveAt(path.Count - 1);
        }
    }

    public static Dictionary<string, ReadOnlyMemory<byte>> ReadPieceLayers(BDictionary top, List<TorrentFile> files, int pieceLength, bool required = true)
    {
        var result = new Dictionary<string, ReadOnlyMemory<byte>>();
        var needed = files.Where(f => f.Length > pieceLength).ToList();
        if (needed.Count == 0 || (!required && top["piece layers"] is null))
            return result;
        if (top["piece layers"] is not BDictionary layers)
            throw new TorrentFormatException("piece layers", top.ContainsKey("piece layers") ? "is not a dictionary" : "missing, but files larger than a piece need it");
        foreach (var file in needed)
        {
            string hex = Convert.ToHexStringLower(file.PiecesRoot.Span);
            if (result.ContainsKey(hex))
                continue; // identical files share a root and a layer
            string field = $"piece layers[{file.Path}]";
            if (layers.Get(file.PiecesRoot.Span) is not BString layer)
            {
                if (!required)
                    continue;
                throw new TorrentFormatException(field, "no layer for the file's pieces root");
            }
            long pieces = (file.Length + pieceLength - 1) / pieceLength;
            if (layer.Bytes.Length != pieces * MerkleTree.HashSize)
                throw new TorrentFormatException(field, $"holds {layer.Bytes.Length} bytes, expected {pieces} hashes of 32 bytes");
            var computed = MerkleTree.FileRootFromPieceLayer(layer.Span, pieceLength);
            if (!computed.AsSpan().SequenceEqual(file.PiecesRoot.Span))
                throw new TorrentFormatException(field, "the layer does not hash to the file's pieces root");
            result[hex] = layer.Bytes;
        }
        return result;
    }

    /// <summary>Checks that a hybrid's two file lists agree and returns the v1 list (with padding) carrying the v2 roots.</summary>
    public static List<TorrentFile> MergeHybrid(List<TorrentFile> v2Files, List<TorrentFile> v1Files, int pieceLength)
    {
        var data = v1Files.Where(f => !f.IsPadding).ToList();
        if (data.Count != v2Files.Count)
            throw new TorrentFormatException("files", $"hybrid torrent lists {data.Count} files in v1 but {v2Files.Count} in the v2 file tree");
        for (int i = 0; i < data.Count; i++)
        {
            var a = data[i];
            var b = v2Files[i];
            if (a.Path != b.Path || a.Length != b.Length)
                throw new TorrentFormatException($"files[{i}]", $"hybrid torrent: v1 has '{a.Path}' ({a.Length} bytes) where the v2 file tree has '{b.Path}' ({b.Length} bytes)");
            if (a.Length > 0 && a.Offset != b.Offset)
                throw new TorrentFormatException($"files[{i}]", $"hybrid torrent: '{a.Path}' is not aligned to a piece boundary in v1 (offset {a.Offset}, piece length {pieceLength})");
        }
        var roots = new Dictionary<TorrentFile, ReadOnlyMemory<byte>>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < data.Count; i++)
            roots[data[i]] = v2Files[i].PiecesRoot;
        return [.. v1Files.Select(f => roots.TryGetValue(f, out var root)
            ? new TorrentFile { PathComponents = f.PathComponents, Length = f.Length, Offset = f.Offset, Attributes = f.Attributes, PiecesRoot = root }
            : f)];
    }
}

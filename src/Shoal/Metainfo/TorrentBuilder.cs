using System.Numerics;
using System.Text;
using Shoal.Bencode;
using Shoal.Storage;

namespace Shoal.Metainfo;

/// <summary>
/// Creates torrents from a file or a folder: v1, v2 or hybrid. Files are ordered by their path
/// components as raw UTF-8 bytes (the order of a v2 file tree), so the same input always gives
/// the same info-hash. Hashing runs on all cores.
/// </summary>
public sealed record TorrentBuilder
{
    /// <summary>The smallest piece length chosen automatically.</summary>
    public const int MinAutoPieceLength = 16 * 1024;
    /// <summary>The largest piece length chosen automatically.</summary>
    public const int MaxAutoPieceLength = 16 * 1024 * 1024;
    /// <summary>The piece count the automatic piece length aims to stay under.</summary>
    public const int TargetMaxPieces = 2000;

    /// <summary>v1 (the default), v2 or hybrid.</summary>
    public TorrentVersion Version { get; init; } = TorrentVersion.V1;
    /// <summary>Piece length in bytes, or null to choose one from the total size.</summary>
    public int? PieceLength { get; init; }
    /// <summary>Tracker URLs in BEP 12 tiers.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Trackers { get; init; } = [];
    /// <summary>BEP 19 web seed URLs.</summary>
    public IReadOnlyList<string> WebSeeds { get; init; } = [];
    /// <summary>BEP 17 HTTP seed URLs (scripts asked for pieces by info-hash).</summary>
    public IReadOnlyList<string> HttpSeeds { get; init; } = [];
    /// <summary>Makes a BEP 27 private torrent.</summary>
    public bool IsPrivate { get; init; }
    /// <summary>A free-text comment.</summary>
    public string? Comment { get; init; }
    /// <summary>A 'source' tag (changes the info-hash: private trackers use it to tell their copies apart).</summary>
    public string? Source { get; init; }
    /// <summary>BEP 38: torrents (their 20-byte info-hashes) that may share files with this one; written in the info dictionary.</summary>
    public IReadOnlyList<InfoHash> Similar { get; init; } = [];
    /// <summary>BEP 38: collections this torrent belongs to; written in the info dictionary.</summary>
    public IReadOnlyList<string> Collections { get; init; } = [];
    /// <summary>The program named as the torrent's maker.</summary>
    public string? CreatedBy { get; init; } = "Shoal/" + typeof(TorrentBuilder).Assembly.GetName().Version?.ToString(3);
    /// <summary>Written as 'creation date' (outside the info dictionary, so it never changes the info-hash).</summary>
    public DateTimeOffset? CreationDate { get; init; }
    /// <summary>Hashing threads; all cores by default.</summary>
    public int? Workers { get; init; }

    /// <summary>
    /// A power of two between 16 KiB and 16 MiB giving at most about 2,000 pieces (so between
    /// 1,000 and 2,000 for anything larger than 32 MiB).
    /// </summary>
    public static int AutoPieceLength(long totalSize)
    {
        long length = MinAutoPieceLength;
        while (length < MaxAutoPieceLength && (totalSize + length - 1) / length > TargetMaxPieces)
            length *= 2;
        return (int)length;
    }

    /// <summary>The files to include under <paramref name="path"/>, in torrent order.</summary>
    public static List<(string[] Components, string FullPath, long Length)> Enumerate(string path)
    {
        var full = Path.GetFullPath(path);
        if (File.Exists(full))
            return [([Path.GetFileName(full)], full, new FileInfo(full).Length)];
        if (!Directory.Exists(full))
            throw new FileNotFoundException($"no such file or folder: {path}", path);

        var options = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            AttributesToSkip = 0,
            IgnoreInaccessible = false,
            ReturnSpecialDirectories = false,
        };
        var files = new List<(string[], string, long)>();
        foreach (var file in new DirectoryInfo(full).EnumerateFiles("*", options))
        {
            var relative = Path.GetRelativePath(full, file.FullName);
            var components = relative.Split(Path.DirectorySeparatorChar);
            // Follow links to files, so the length is the target's.
            long length = file.LinkTarget is null ? file.Length : new FileInfo(file.FullName).ResolveLinkTarget(true) is FileInfo target ? target.Length : -1;
            if (length < 0)
                continue; // a dangling link
            files.Add((components, file.FullName, length));
        }
        files.Sort((a, b) => ComparePaths(a.Item1, b.Item1));
        return files;
    }

    /// <summary>Component by component, as raw UTF-8 bytes: the order of a bencoded v2 file tree.</summary>
    public static int ComparePaths(string[] a, string[] b)
    {
        for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            int cmp = Encoding.UTF8.GetBytes(a[i]).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b[i]));
            if (cmp != 0)
                return cmp;
        }
        return a.Length.CompareTo(b.Length);
    }

    /// <summary>
    /// BEP 52 reads a v2 file tree with one file at its root as that single file, so a v2-only
    /// torrent of a folder holding just one file describes the file alone (libtorrent does the same).
    /// </summary>
    public static bool DescribesOnlyTheFile(TorrentVersion version, IReadOnlyList<(string[] Components, string FullPath, long Length)> input) =>
        version == TorrentVersion.V2 && input.Count == 1 && input[0].Components.Length == 1;

    /// <summary>Hashes the file or folder at <paramref name="path"/> and builds its torrent; <paramref name="progress"/> hears the bytes hashed so far.</summary>
    public Task<Torrent> BuildAsync(string path, IProgress<long>? progress = null, CancellationToken cancellationToken = default) =>
        BuildAsync(path, Enumerate(path), progress, cancellationToken);

    /// <summary>Builds from files already listed by <see cref="Enumerate"/> for <paramref name="path"/>.</summary>
    public async Task<Torrent> BuildAsync(string path, List<(string[] Components, string FullPath, long Length)> input,
        IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        if (input.Count == 0)
            throw new InvalidOperationException($"'{path}' holds no files");
        long dataSize = input.Sum(f => f.Length);
        if (dataSize == 0)
            throw new InvalidOperationException($"'{path}' holds only empty files");
        bool singleFile = File.Exists(path);
        string name = singleFile ? input[0].Components[0] : Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(path)));
        // The info 'name' stays the folder's (it is advisory in v2, and libtorrent writes it so).
        bool treeHasOnlyTheFile = !singleFile && DescribesOnlyTheFile(Version, input);

        int pieceLength = PieceLength ?? AutoPieceLength(dataSize);
        if (pieceLength < MinAutoPieceLength || !BitOperations.IsPow2(pieceLength) || pieceLength > TorrentParser.MaxPieceLength)
            throw new ArgumentException($"piece size {pieceLength} must be a power of two between 16 KiB and {TorrentParser.MaxPieceLength / (1024 * 1024)} MiB");

        var (files, sources) = Layout(input, singleFile || treeHasOnlyTheFile ? [] : [name], pieceLength);
        var space = new PieceSpace(files, pieceLength, Version == TorrentVersion.V2);
        bool v1 = Version != TorrentVersion.V2, v2 = Version != TorrentVersion.V1;

        var pieceHashes = v1 ? new byte[space.PieceCount * 20] : [];
        var leaves = files.Select(f => v2 && !f.IsPadding ? new byte[MerkleTree.BlockCount(f.Length) * MerkleTree.HashSize] : []).ToArray();
        await PieceHashing.RunAsync(files, space, f => sources[f], v1, v2, (piece, complete, sha1, pieceLeaves) =>
        {
            if (!complete)
                throw new IOException($"a file under '{path}' changed while it was being hashed");
            if (v1)
                sha1.CopyTo(pieceHashes.AsSpan(piece * 20));
            if (v2)
            {
                int fileIndex = space.V2Data(piece).FileIndex;
                long blockIndex = ((long)piece * pieceLength - files[fileIndex].Offset) / MerkleTree.BlockSize;
                pieceLeaves.CopyTo(leaves[fileIndex].AsSpan((int)(blockIndex * MerkleTree.HashSize)));
            }
        }, progress, cancellationToken, Workers).ConfigureAwait(false);

        var info = new BDictionary();
        info.Set("name", name);
        info.Set("piece length", pieceLength);
        if (IsPrivate)
            info.Set("private", 1);
        if (Source is not null)
            info.Set("source", Source);
        if (Similar.Count > 0)
            info.Set("similar", new BList(Similar.Select(h => (BValue)new BString(h.Truncated.Span.ToArray()))));
        if (Collections.Count > 0)
            info.Set("collections", new BList(Collections.Select(c => (BValue)new BString(c))));
        if (v1)
        {
            info.Set("pieces", pieceHashes);
            if (singleFile)
                info.Set("length", files[0].Length);
            else
                info.Set("files", new BList(files.Select(V1FileEntry)));
        }
        var top = new BDictionary();
        if (v2)
        {
            info.Set("meta version", 2);
            var tree = new BDictionary();
            var layers = new BDictionary();
            for (int i = 0; i < files.Count; i++)
            {
                if (files[i].IsPadding)
                    continue;
                AddToTree(tree, files[i], singleFile || treeHasOnlyTheFile, leaves[i], pieceLength, layers);
            }
            info.Set("file tree", tree);
            top.Set("piece layers", layers);
        }
        top.Set("info", info);

        // Parsing our own output applies every rule a reader would; TorrentWriter writes the rest.
        return TorrentParser.Parse(BencodeWriter.Encode(top)) with
        {
            Trackers = [.. Trackers.Where(t => t.Count > 0)],
            WebSeeds = WebSeeds,
            HttpSeeds = HttpSeeds,
            Comment = Comment,
            CreatedBy = CreatedBy,
            CreationDate = CreationDate is { } date ? DateTimeOffset.FromUnixTimeSeconds(date.ToUnixTimeSeconds()) : null,
        };
    }

    /// <summary>
    /// Places the files in piece space: concatenated for v1; each non-empty file on a piece
    /// boundary for v2 (an implicit gap) and hybrid (an explicit BEP 47 padding file, ".pad/N",
    /// between a file and the next non-empty one).
    /// </summary>
    private (List<TorrentFile>, Dictionary<TorrentFile, string>) Layout(
        List<(string[] Components, string FullPath, long Length)> input, string[] root, int pieceLength)
    {
        var files = new List<TorrentFile>(input.Count * 2);
        var sources = new Dictionary<TorrentFile, string>(ReferenceEqualityComparer.Instance);
        int lastWithData = input.FindLastIndex(f => f.Length > 0);
        long offset = 0;
        for (int i = 0; i < input.Count; i++)
        {
            var (components, fullPath, length) = input[i];
            if (Version == TorrentVersion.V2 && length > 0 && offset % pieceLength != 0)
                offset += pieceLength - offset % pieceLength;
            var file = new TorrentFile { PathComponents = [.. root, .. components], Length = length, Offset = offset };
            files.Add(file);
            sources[file] = fullPath;
            offset += length;
            if (Version == TorrentVersion.Hybrid && length > 0 && i < lastWithData && offset % pieceLength != 0)
            {
                long pad = pieceLength - offset % pieceLength;
                string padName = pad.ToString(System.Globalization.CultureInfo.InvariantCulture);
                files.Add(new TorrentFile { PathComponents = [.. root, ".pad", padName], Length = pad, Offset = offset, Attributes = "p" });
                offset += pad;
            }
        }
        return (files, sources);
    }

    private static BValue V1FileEntry(TorrentFile file)
    {
        var entry = new BDictionary();
        if (file.Attributes.Length > 0)
            entry.Set("attr", file.Attributes);
        entry.Set("length", file.Length);
        entry.Set("path", new BList(file.PathComponents.Skip(1).Select(c => (BValue)new BString(c))));
        return entry;
    }

    private static void AddToTree(BDictionary tree, TorrentFile file, bool singleFile, byte[] leaves, int pieceLength, BDictionary layers)
    {
        var node = tree;
        var components = singleFile ? file.PathComponents : file.PathComponents.Skip(1).ToList();
        foreach (var component in components)
        {
            if (node[component] is not BDictionary child)
            {
                child = new BDictionary();
                node.Set(component, child);
            }
            node = child;
        }
        var properties = new BDictionary();
        properties.Set("length", file.Length);
        if (file.Length > 0)
        {
            byte[] root;
            if (file.Length <= pieceLength)
            {
                root = MerkleTree.FileRootFromLeaves(leaves);
            }
            else
            {
                int blocksPerPiece = pieceLength / MerkleTree.BlockSize;
                int leafCount = leaves.Length / MerkleTree.HashSize;
                int pieces = (leafCount + blocksPerPiece - 1) / blocksPerPiece;
                var layer = new byte[pieces * MerkleTree.HashSize];
                for (int p = 0; p < pieces; p++)
                {
                    int first = p * blocksPerPiece;
                    int count = Math.Min(blocksPerPiece, leafCount - first);
                    MerkleTree.PieceHashFromLeaves(leaves.AsSpan(first * MerkleTree.HashSize, count * MerkleTree.HashSize), pieceLength)
                        .CopyTo(layer, p * MerkleTree.HashSize);
                }
                root = MerkleTree.FileRootFromPieceLayer(layer, pieceLength);
                layers.Set(new BString(root), new BString(layer));
            }
            properties.Set("pieces root", root);
        }
        node.Set(new BString(ReadOnlyMemory<byte>.Empty), properties);
    }
}

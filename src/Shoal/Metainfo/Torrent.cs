using Shoal.Bencode;

namespace Shoal.Metainfo;

/// <summary>
/// A parsed, validated torrent (v1, v2 or hybrid). Construct with <see cref="TorrentParser"/>
/// or <see cref="TorrentBuilder"/>; write with <see cref="ToBytes"/>.
/// </summary>
public sealed record Torrent
{
    public required string Name { get; init; }
    public required TorrentVersion Version { get; init; }
    public required InfoHashes InfoHashes { get; init; }
    public required int PieceLength { get; init; }

    /// <summary>Every file, padding files included, in piece-space order.</summary>
    public required IReadOnlyList<TorrentFile> Files { get; init; }

    /// <summary>True when the data is a single file named <see cref="Name"/> rather than a folder.</summary>
    public required bool IsSingleFile { get; init; }

    /// <summary>Concatenated 20-byte SHA-1 piece hashes (v1 and hybrid), else empty.</summary>
    public ReadOnlyMemory<byte> PieceHashesV1 { get; init; }

    /// <summary>v2 piece layers: pieces root (hex) to concatenated 32-byte piece hashes.</summary>
    public IReadOnlyDictionary<string, ReadOnlyMemory<byte>> PieceLayers { get; init; } = new Dictionary<string, ReadOnlyMemory<byte>>();

    /// <summary>Tracker tiers (BEP 12); a torrent with only 'announce' has one tier of one.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Trackers { get; init; } = [];
    /// <summary>BEP 19 'url-list' web seeds.</summary>
    public IReadOnlyList<string> WebSeeds { get; init; } = [];
    /// <summary>BEP 17 'httpseeds'.</summary>
    public IReadOnlyList<string> HttpSeeds { get; init; } = [];
    public bool IsPrivate { get; init; }
    public DateTimeOffset? CreationDate { get; init; }
    public string? Comment { get; init; }
    public string? CreatedBy { get; init; }
    public string? Source { get; init; }

    /// <summary>The exact bytes of the info dictionary, as hashed.</summary>
    public required ReadOnlyMemory<byte> InfoBytes { get; init; }

    /// <summary>The decoded info dictionary (re-encodes to <see cref="InfoBytes"/>).</summary>
    public required BDictionary Info { get; init; }

    /// <summary>Total bytes in piece space, padding files included (v2 alignment gaps excluded).</summary>
    public long TotalSize => Space.TotalSize;

    /// <summary>Bytes of real data: the sum of non-padding files.</summary>
    public long DataSize => Files.Where(f => !f.IsPadding).Sum(f => f.Length);

    public bool HasV1 => Version != TorrentVersion.V2;
    public bool HasV2 => Version != TorrentVersion.V1;

    public int PieceCount => Space.PieceCount;

    /// <summary>How the files map onto pieces.</summary>
    public PieceSpace Space => field ??= new PieceSpace(Files, PieceLength, Version == TorrentVersion.V2);

    /// <summary>Length of piece <paramref name="index"/> in bytes.</summary>
    public int PieceSize(int index) => Space.PieceSize(index);

    /// <summary>
    /// The v2 hash that piece <paramref name="index"/> must match: an entry of its file's piece
    /// layer, or for a file of at most one piece, the file's pieces root
    /// (<paramref name="isFileRoot"/>), which covers only the file's own blocks.
    /// </summary>
    public ReadOnlySpan<byte> PieceHashV2(int index, out bool isFileRoot)
    {
        long start = (long)index * PieceLength;
        var file = Files[Space.FileIndexAt(start)];
        if (file.Length <= PieceLength)
        {
            isFileRoot = true;
            return file.PiecesRoot.Span;
        }
        isFileRoot = false;
        var layer = PieceLayers[Convert.ToHexStringLower(file.PiecesRoot.Span)];
        int pieceInFile = (int)((start - file.Offset) / PieceLength);
        return layer.Span.Slice(pieceInFile * MerkleTree.HashSize, MerkleTree.HashSize);
    }

    public ReadOnlySpan<byte> PieceHashV1(int index) => PieceHashesV1.Span.Slice(index * 20, 20);

    /// <summary>The v2 files (larger than a piece) whose piece layer is not known: a torrent from BEP 9 metadata, before peers sent the layers.</summary>
    public IReadOnlyList<TorrentFile> FilesMissingPieceLayers =>
        HasV2 ? [.. Files.Where(f => !f.IsPadding && f.Length > PieceLength && !PieceLayers.ContainsKey(Convert.ToHexStringLower(f.PiecesRoot.Span)))] : [];

    public MagnetLink ToMagnetLink() => MagnetLink.FromTorrent(this);

    /// <summary>The complete .torrent file: the original info dictionary bytes plus the outer fields.</summary>
    public byte[] ToBytes() => TorrentWriter.Write(this);
}

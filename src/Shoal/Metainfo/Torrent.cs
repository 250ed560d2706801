using Shoal.Bencode;

namespace Shoal.Metainfo;

/// <summary>
/// A parsed, validated torrent (v1, v2 or hybrid). Construct with <see cref="TorrentParser"/>
/// or <see cref="TorrentBuilder"/>; write with <see cref="ToBytes"/>.
/// </summary>
public sealed record Torrent
{
    /// <summary>The suggested name of the file or folder (the info dictionary's 'name').</summary>
    public required string Name { get; init; }
    /// <summary>v1, v2 or hybrid.</summary>
    public required TorrentVersion Version { get; init; }
    /// <summary>The v1 and/or v2 info-hashes that identify the torrent.</summary>
    public required InfoHashes InfoHashes { get; init; }
    /// <summary>Bytes per piece (the last piece may be shorter).</summary>
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
    /// <summary>BEP 27: peers come from its trackers only (no DHT, PEX or LSD).</summary>
    public bool IsPrivate { get; init; }
    /// <summary>When the torrent was made, if it says.</summary>
    public DateTimeOffset? CreationDate { get; init; }
    /// <summary>A free-text comment from the torrent's maker.</summary>
    public string? Comment { get; init; }
    /// <summary>The program that made the torrent, if it says.</summary>
    public string? CreatedBy { get; init; }
    /// <summary>The 'source' tag some private trackers put in the info dictionary.</summary>
    public string? Source { get; init; }
    /// <summary>BEP 38 hints: info-hashes (20 bytes) of torrents that may share files with this one, from inside and outside the info dictionary.</summary>
    public IReadOnlyList<InfoHash> Similar { get; init; } = [];
    /// <summary>BEP 38 hints: collections this torrent belongs to; torrents of a collection may share files.</summary>
    public IReadOnlyList<string> Collections { get; init; } = [];

    /// <summary>The exact bytes of the info dictionary, as hashed.</summary>
    public required ReadOnlyMemory<byte> InfoBytes { get; init; }

    /// <summary>The decoded info dictionary (re-encodes to <see cref="InfoBytes"/>).</summary>
    public required BDictionary Info { get; init; }

    /// <summary>Total bytes in piece space, padding files included (v2 alignment gaps excluded).</summary>
    public long TotalSize => Space.TotalSize;

    /// <summary>Bytes of real data: the sum of non-padding files.</summary>
    public long DataSize => Files.Where(f => !f.IsPadding).Sum(f => f.Length);

    /// <summary>It has v1 (SHA-1) piece hashes: v1 or hybrid.</summary>
    public bool HasV1 => Version != TorrentVersion.V2;
    /// <summary>It has v2 (SHA-256 merkle) hashes: v2 or hybrid.</summary>
    public bool HasV2 => Version != TorrentVersion.V1;

    /// <summary>How many pieces the data has.</summary>
    public int PieceCount => Space.PieceCount;

    /// <summary>How the files map onto pieces.</summary>
    internal PieceSpace Space => field ??= new PieceSpace(Files, PieceLength, Version == TorrentVersion.V2);

    /// <summary>The indices (in <see cref="Files"/>) of the files that piece <paramref name="index"/> covers.</summary>
    public IEnumerable<int> FilesOfPiece(int index) => Space.FilesOfPiece(index);

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

    /// <summary>The 20-byte SHA-1 of piece <paramref name="index"/> (v1 and hybrid torrents).</summary>
    public ReadOnlySpan<byte> PieceHashV1(int index) => PieceHashesV1.Span.Slice(index * 20, 20);

    /// <summary>The v2 files (larger than a piece) whose piece layer is not known: a torrent from BEP 9 metadata, before peers sent the layers.</summary>
    public IReadOnlyList<TorrentFile> FilesMissingPieceLayers =>
        HasV2 ? [.. Files.Where(f => !f.IsPadding && f.Length > PieceLength && !PieceLayers.ContainsKey(Convert.ToHexStringLower(f.PiecesRoot.Span)))] : [];

    /// <summary>The torrent's magnet link (see <see cref="MagnetLink.FromTorrent"/>).</summary>
    public MagnetLink ToMagnetLink() => MagnetLink.FromTorrent(this);

    /// <summary>The complete .torrent file: the original info dictionary bytes plus the outer fields.</summary>
    public byte[] ToBytes() => TorrentWriter.Write(this);
}

namespace Shoal.Metainfo;

/// <summary>
/// How files map onto pieces. v1 and hybrid torrents concatenate their files (hybrids with
/// padding files that align each file to a piece); a v2-only torrent starts every non-empty
/// file on a piece boundary with an implicit gap, so a file's last piece ends with the file.
/// </summary>
internal sealed class PieceSpace
{
    private readonly IReadOnlyList<TorrentFile> _files;

    public PieceSpace(IReadOnlyList<TorrentFile> files, int pieceLength, bool implicitGaps)
    {
        _files = files;
        PieceLength = pieceLength;
        ImplicitGaps = implicitGaps;
        TotalSize = files.Count == 0 ? 0 : files[^1].EndOffset;
        PieceCount = (int)((TotalSize + pieceLength - 1) / pieceLength);
    }

    public int PieceLength { get; }
    public bool ImplicitGaps { get; }
    public long TotalSize { get; }
    public int PieceCount { get; }

    public int PieceSize(int index)
    {
        long start = (long)index * PieceLength;
        long end = ImplicitGaps ? _files[FileIndexAt(start)].EndOffset : TotalSize;
        return (int)Math.Min(PieceLength, end - start);
    }

    /// <summary>Index of the file holding piece-space byte <paramref name="offset"/> (skipping empty files).</summary>
    public int FileIndexAt(long offset)
    {
        int lo = 0, hi = _files.Count - 1;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) / 2;
            if (_files[mid].Offset <= offset)
                lo = mid;
            else
                hi = mid - 1;
        }
        // Empty files may share an offset with the file after them; step to the one with data.
        while (lo < _files.Count - 1 && _files[lo].EndOffset <= offset)
            lo++;
        return lo;
    }

    /// <summary>
    /// For v2 hashing: the file that piece <paramref name="index"/> belongs to and how many of
    /// the piece's bytes are that file's data (the rest, in a hybrid, is padding).
    /// </summary>
    public (int FileIndex, int DataLength) V2Data(int index)
    {
        long start = (long)index * PieceLength;
        int fileIndex = FileIndexAt(start);
        var file = _files[fileIndex];
        return (fileIndex, (int)Math.Min(PieceSize(index), file.EndOffset - start));
    }

    /// <summary>Indices of the files (padding excluded) that piece <paramref name="index"/> touches.</summary>
    public IEnumerable<int> FilesOfPiece(int index)
    {
        var files = new List<int>();
        foreach (var range in Ranges((long)index * PieceLength, PieceSize(index)))
            files.Add(range.File);
        return files;
    }

    /// <summary>
    /// The one walk from piece space to files: the parts of [<paramref name="start"/>,
    /// <paramref name="start"/> + <paramref name="count"/>) that lie in real files, in order.
    /// Padding files, empty files and v2 gaps yield nothing (they are zeros and never touch disk).
    /// </summary>
    internal FileRanges Ranges(long start, int count) => new(_files, FileIndexAt(start), start, count);
}

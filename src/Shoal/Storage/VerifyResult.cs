using Shoal.Metainfo;

namespace Shoal.Storage;

/// <summary>What a check of the data on disk found.</summary>
/// <param name="Torrent">The torrent checked.</param>
/// <param name="Pieces">Each piece's state, by index.</param>
public sealed record VerifyResult(Torrent Torrent, PieceState[] Pieces)
{
    /// <summary>Every piece is there and good.</summary>
    public bool IsComplete => Pieces.All(p => p == PieceState.Good);
    /// <summary>The indices of the pieces in <paramref name="state"/>.</summary>
    public IEnumerable<int> Indices(PieceState state) => Enumerable.Range(0, Pieces.Length).Where(i => Pieces[i] == state);
    /// <summary>The files that piece <paramref name="piece"/> covers.</summary>
    public IReadOnlyList<TorrentFile> FilesOf(int piece) => [.. Torrent.FilesOfPiece(piece).Select(i => Torrent.Files[i])];
}

using Shoal.Metainfo;

namespace Shoal.Storage;

public sealed record VerifyResult(Torrent Torrent, PieceState[] Pieces)
{
    public bool IsComplete => Pieces.All(p => p == PieceState.Good);
    public IEnumerable<int> Indices(PieceState state) => Enumerable.Range(0, Pieces.Length).Where(i => Pieces[i] == state);
    public IReadOnlyList<TorrentFile> FilesOf(int piece) => [.. Torrent.Space.FilesOfPiece(piece).Select(i => Torrent.Files[i])];
}

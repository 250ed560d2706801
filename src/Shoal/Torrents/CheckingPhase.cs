using Shoal.Metainfo;
using Shoal.Storage;
using Shoal.Wire;

namespace Shoal;

/// <summary>Finds which pieces are on disk: trusts matching resume data, else hashes what exists.</summary>
internal sealed class CheckingPhase(TorrentSession session, Torrent torrent)
{
    public async Task<Bitfield> RunAsync(CancellationToken token)
    {
        string saveDirectory = session.SaveDirectory;
        var resume = ResumeData.TryLoad(ResumePath(session, torrent), torrent, saveDirectory);
        if (resume is not null && resume.MatchesDisk(torrent, saveDirectory))
        {
            session.LastCheck = StartCheck.ResumeData;
            return resume.Pieces;
        }
        var have = new Bitfield(torrent.PieceCount);
        if (torrent.Files.Any(f => !f.IsPadding && File.Exists(TorrentVerifier.PathOf(saveDirectory, f))))
        {
            var result = await TorrentVerifier.VerifyAsync(torrent, saveDirectory, null, token).ConfigureAwait(false);
            foreach (int piece in result.Indices(PieceState.Good))
                have[piece] = true;
            session.LastCheck = StartCheck.Hashed;
        }
        else
        {
            session.LastCheck = StartCheck.NoData;
        }
        return have;
    }

    public static string ResumePath(TorrentSession session, Torrent torrent) =>
        Path.Combine(session.Client.ResumeDirectory, ResumeData.FileName(torrent));
}

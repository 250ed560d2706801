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
        if (session.Options.ReuseLocalData)
            await ReuseAsync(saveDirectory, token).ConfigureAwait(false);
        var have = new Bitfield(torrent.PieceCount);
        if (torrent.Files.Any(f => !f.IsPadding && File.Exists(TorrentVerifier.PathOf(saveDirectory, f))))
        {
            session.CheckingBytes(Enumerable.Range(0, torrent.PieceCount).Sum(i => (long)torrent.PieceSize(i)));
            try
            {
                var result = await TorrentVerifier.VerifyAsync(torrent, saveDirectory, new CheckProgress(session), token).ConfigureAwait(false);
                foreach (int piece in result.Indices(PieceState.Good))
                    have[piece] = true;
            }
            finally
            {
                session.CheckingBytes(null);
            }
            session.LastCheck = StartCheck.Hashed;
        }
        else
        {
            session.LastCheck = StartCheck.NoData;
        }
        return have;
    }

    /// <summary>Copies in what other complete torrents of the client hold of this one's files (<see cref="LocalReuse"/>); the check that follows verifies it.</summary>
    private async Task ReuseAsync(string saveDirectory, CancellationToken token)
    {
        var donors = session.Client.Torrents.Where(o => o != session && o.Torrent is not null && o.State == TorrentState.Seeding)
            .Select(o => (o.Torrent!, o.SaveDirectory)).ToList();
        var placements = LocalReuse.Find(torrent, saveDirectory, donors);
        if (placements.Count == 0)
            return;
        long bytes = await Task.Run(() => LocalReuse.Copy(placements, token), token).ConfigureAwait(false);
        session.ReusedBytes = bytes;
        EngineLog.Reused(session.Logger, torrent.Name, placements.Count, bytes);
    }

    /// <summary>Hands each piece the hasher finishes to the torrent's status at once (an <see cref="IProgress{T}"/> that posts nowhere).</summary>
    private sealed class CheckProgress(TorrentSession session) : IProgress<long>
    {
        public void Report(long value) => session.CheckedBytes(value);
    }

    /// <summary>Verified and wanted bytes for <paramref name="have"/>, with a piece wanted when any of its files is (no priorities: every file).</summary>
    public static (long Verified, long Wanted) Progress(Torrent torrent, Bitfield have, IReadOnlyList<int>? priorities)
    {
        long verified = 0, wanted = 0;
        for (int piece = 0; piece < torrent.PieceCount; piece++)
        {
            if (TorrentSwarm.PriorityOf(torrent, piece, priorities) == 0) // as the picker's priorities
                continue;
            int size = torrent.PieceSize(piece);
            wanted += size;
            if (have[piece])
                verified += size;
        }
        return (verified, wanted);
    }

    public static string ResumePath(TorrentSession session, Torrent torrent) =>
        Path.Combine(session.Client.ResumeDirectory, ResumeData.FileName(torrent));
}

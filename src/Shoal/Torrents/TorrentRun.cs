using Shoal.Discovery;
using Shoal.Metainfo;
using Shoal.Storage;
using Shoal.Wire;

namespace Shoal;

/// <summary>
/// One run of a torrent, from start to pause or stop, through its phases: awaiting metadata
/// (only when it was added from an identity), checking, then the swarm (downloading and seeding).
/// Peer sources start with the first phase that can use their peers and stop with the run.
/// </summary>
internal sealed class TorrentRun(TorrentSession session)
{
    private readonly List<(IPeerSource Source, Task Task)> _sources = [];

    public async Task RunAsync(CancellationToken token)
    {
        var client = session.Client;
        client.Register(session);
        try
        {
            await Task.Yield();
            var torrent = session.Torrent;
            if (torrent is null)
            {
                session.SetState(TorrentState.AwaitingMetadata);
                StartSources(token);
                torrent = await new MetadataPhase(session).RunAsync(token).ConfigureAwait(false);
                client.Register(session); // the metadata may add a v2 hash
            }
            session.SetState(TorrentState.Checking);
            var have = await new CheckingPhase(session, torrent).RunAsync(token).ConfigureAwait(false);
            var swarm = new TorrentSwarm(session, torrent, have, this);
            await swarm.RunAsync(token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            session.Fail(e.Message);
        }
        catch (Exception e)
        {
            // A bug of ours must still stop this torrent visibly, not leave it 'checking'.
            session.Fail($"internal error ({e.GetType().Name}): {e.Message}");
        }
        finally
        {
            client.Unregister(session);
            await StopSourcesAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Starts the peer sources once (they run until the run ends).</summary>
    public void StartSources(CancellationToken token)
    {
        if (_sources.Count > 0)
            return;
        foreach (var factory in session.Client.PeerSourceFactories)
        {
            if (factory(session, session.Client, session.Options) is { } source)
                _sources.Add((source, Task.Run(() => source.RunAsync(token), CancellationToken.None)));
        }
    }

    /// <summary>Tells every source that something changed (the download completed).</summary>
    public void NudgeSources()
    {
        foreach (var (source, _) in _sources)
            source.Nudge();
    }

    private async Task StopSourcesAsync()
    {
        foreach (var (source, task) in _sources)
        {
            try
            {
                await task.ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                EngineLog.SourceFailed(session.Logger, session.Name, source.Name, e.Message);
            }
        }
        _sources.Clear();
    }
}

/// <summary>Waits until the metadata arrives (from <see cref="TorrentSession.SetMetadata"/>, and later from peers).</summary>
internal sealed class MetadataPhase(TorrentSession session)
{
    public Task<Torrent> RunAsync(CancellationToken token) => session.MetadataArrived.WaitAsync(token);
}

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

using Shoal.Discovery;
using Shoal.Metainfo;
using Shoal.Peers;
using Shoal.Storage;
using Shoal.Supervision;

namespace Shoal;

/// <summary>
/// One run of a torrent, from start to pause or stop, through its phases: awaiting metadata
/// (only when it was added from an identity), checking, then the swarm (downloading and seeding).
/// Peer sources start with the first phase that can use their peers and stop with the run.
/// </summary>
internal sealed class TorrentRun(TorrentSession session)
{
    /// <summary>The run's peer sources; locked on itself (started by the run, nudged from any thread).</summary>
    private readonly List<IPeerSource> _sources = [];
    private TaskOwner? _sourceTasks;

    public async Task RunAsync(CancellationToken token)
    {
        // A source that throws (what it expects, a tracker down, it handles itself) fails the torrent at once.
        var sourceTasks = new TaskOwner((what, e) => session.FailInternal(e, what), token);
        _sourceTasks = sourceTasks;
        var client = session.Client;
        client.Register(session);
        var cached = PeerCache.Load(PeerCache.PathFor(client.ResumeDirectory, session.InfoHash.ToHex()));
        lock (session.Gate)
        {
            foreach (var peer in cached)
                session.Peers.Add(peer, PeerSources.Cache); // the swarm of the last run, should no tracker answer
        }
        session.RankPending();
        var swarm = new TorrentSwarm(session, this, token);
        session.SetSwarm(swarm); // incoming peers are accepted from the moment the run is registered
        try
        {
            await Task.Yield();
            swarm.Start(); // peers connect from now on, whatever the phase
            var torrent = session.Torrent;
            if (torrent is null)
            {
                session.SetState(TorrentState.AwaitingMetadata);
                StartSources(swarm, sourceTasks, token);
                torrent = await new MetadataPhase(session, swarm).RunAsync(token).ConfigureAwait(false);
                client.Register(session); // the metadata may add a v2 hash
            }
            session.SetState(TorrentState.Checking);
            var have = await new CheckingPhase(session, torrent).RunAsync(token).ConfigureAwait(false);
            swarm.AttachContent(torrent, have);
            StartSources(swarm, sourceTasks, token);
            await swarm.RunUntilStoppedAsync().ConfigureAwait(false);
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
            session.FailInternal(e);
        }
        finally
        {
            client.Unregister(session);
            await swarm.StopAsync().ConfigureAwait(false);
            await StopSourcesAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A stopped torrent's check (Transmission verifies at once and leaves it stopped): hashes the
    /// data, saves what it found as resume data (so the next start trusts it) and ends in
    /// <paramref name="after"/>. Joins no swarm and starts no source.
    /// </summary>
    public async Task CheckOnlyAsync(TorrentState after, CancellationToken token)
    {
        try
        {
            await Task.Yield();
            var torrent = session.Torrent ?? throw new InvalidOperationException("no metadata to check against");
            session.SetState(TorrentState.Checking);
            var have = await new CheckingPhase(session, torrent).RunAsync(token).ConfigureAwait(false);
            session.LastVerified = have;
            session.LastProgress = CheckingPhase.Progress(torrent, have, session.Options.FilePriorities);
            new ResumeData(torrent.InfoHashes.Primary.ToHex(), session.SaveDirectory, have, ResumeData.Snapshot(torrent, session.SaveDirectory))
                .Save(CheckingPhase.ResumePath(session, torrent));
            session.SetState(after);
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
            session.FailInternal(e, "checking");
        }
        finally
        {
            session.CheckOnlyEnded(token);
        }
    }

    /// <summary>Starts the peer sources once (they run until the run ends): the registered ones and the extensions that find peers.</summary>
    private void StartSources(TorrentSwarm swarm, TaskOwner tasks, CancellationToken token)
    {
        lock (_sources)
        {
            if (_sources.Count > 0)
                return;
            var sources = session.Client.PeerSourceFactories.Select(factory => factory(session, session.Client, session.Options)).OfType<IPeerSource>();
            foreach (var source in sources.Concat(swarm.Extensions.PeerSources))
            {
                _sources.Add(source);
                tasks.Own($"peer source {source.Name}", Task.Run(() => source.RunAsync(token), CancellationToken.None));
            }
        }
    }

    /// <summary>Tells every source that something changed (the download completed); any thread.</summary>
    public void NudgeSources()
    {
        lock (_sources)
        {
            foreach (var source in _sources)
                source.Nudge();
        }
    }

    /// <summary>The machine's addresses changed: every source announces on the new network; any thread.</summary>
    public void NetworkChanged()
    {
        lock (_sources)
        {
            foreach (var source in _sources)
                source.NetworkChanged();
        }
    }

    private async Task StopSourcesAsync()
    {
        lock (_sources)
            _sources.Clear();
        if (_sourceTasks is { } tasks)
            await tasks.DrainAsync().ConfigureAwait(false);
    }
}

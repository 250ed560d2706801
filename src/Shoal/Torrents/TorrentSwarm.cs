using Microsoft.Extensions.Logging;
using Shoal.Extensions;
using Shoal.Metainfo;
using Shoal.Peers;
using Shoal.Storage;
using Shoal.Swarm;
using Shoal.Wire;

namespace Shoal;

/// <summary>
/// A running torrent's swarm: the state its parts share (peers, choker, extensions, and once the
/// metadata is known and checked, the <see cref="TorrentContent"/>), all under the torrent's one
/// lock. It runs for the whole run: peers connect and exchange extension messages while the
/// metadata is awaited or the data checked (the metadata phase); <see cref="AttachContent"/> then
/// makes the content, and code that needs it is handed it.
/// The parts: <see cref="PeerAdmission"/> (dial, accept, attach, leave), <see cref="PeerMessages"/>
/// (one peer's messages), <see cref="RequestScheduler"/> (interest and requests, in the content),
/// <see cref="PieceJobs"/> (hash, write, smart ban, completion) and <see cref="SwarmTicker"/>
/// (timeouts, choking rounds, dialling). Under the lock: decisions only. Log lines noted under
/// it are written after it is released. What it reports for status is in TorrentSwarm.Status.
/// </summary>
internal sealed partial class TorrentSwarm
{
    /// <summary>The largest message accepted before the metadata says how big a bitfield is.</summary>
    public const int MaxMessageLengthBeforeMetadata = 256 * 1024;
    /// <summary>What runs after the lock is released (log lines, closes, callbacks); locked on itself, a leaf lock taken under <see cref="Gate"/> or without it.</summary>
    private readonly List<Action<ILogger>> _notes = [];
    private bool _seeding;
    private volatile TorrentContent? _content;
    private Task? _ticker;
    private volatile PieceLayerFetch? _layerFetch;

    public TorrentSwarm(TorrentSession session, TorrentRun run, CancellationToken token)
    {
        Session = session;
        Run = run;
        Token = token;
        Client = session.Client;
        Gate = session.Gate;
        WireHash = session.Identity.InfoHashes.Primary.Span.ToArray();
        Choker = new Choker<SwarmPeer>(Client.Time, new Random(Client.NextSeed()));
        UploadSlots = new UploadSlots(Client.Time, Choker.Slots);
        foreach (var factory in Client.ExtensionFactories)
        {
            if (factory(session) is { } extension)
                Extensions.Register(extension);
        }
        Admission = new PeerAdmission(this);
        SiteShare = new SiteShare(SiteShare.KeyOf(Client.PeerIdBytes), Client.Time);
        Pieces = new PieceJobs(this);
        Ticker = new SwarmTicker(this);
        SuperSeeding = new SuperSeeding(this);
    }

    public TorrentSession Session { get; }
    public TorrentRun Run { get; }
    public ShoalClient Client { get; }
    public Lock Gate { get; }
    public byte[] WireHash { get; }
    /// <summary>
    /// The content (metadata, files, picker, scheduler, web seeds): null in the metadata phase,
    /// until <see cref="AttachContent"/>, and again once the run has stopped. Read it once where
    /// the phase matters and hand the value on.
    /// </summary>
    public TorrentContent? Content => _content;
    /// <summary>The largest message a peer may send us now (the bitfield's size is known only with the metadata).</summary>
    public int MaxMessageLength => _content is { } content ? Math.Max(128 * 1024, (content.Torrent.PieceCount + 7) / 8 + 1) : MaxMessageLengthBeforeMetadata;
    public Choker<SwarmPeer> Choker { get; }
    /// <summary>How many slots the choker has while seeding: as many as raise what we send.</summary>
    public UploadSlots UploadSlots { get; }
    public ExtensionRegistry Extensions { get; } = new();
    /// <summary>Each file's tree above its piece layer, for BEP 52 hash requests.</summary>
    public PieceLayerTrees LayerTrees { get; } = new();
    public List<SwarmPeer> Peers { get; } = [];
    private int _peerCount;

    /// <summary>After <see cref="Peers"/> changed (under the lock): publishes its size for <see cref="HasPeerRoom"/>.</summary>
    public void CountPeers() => Volatile.Write(ref _peerCount, Peers.Count);

    /// <summary>Whether one more peer fits under the torrent's connection limit (any thread; a hint, the admission decides).</summary>
    public bool HasPeerRoom => Volatile.Read(ref _peerCount) < Session.Options.MaxConnections;
    public HashSet<string> BannedPeerIds { get; } = [];
    public PeerAdmission Admission { get; }
    public SiteShare SiteShare { get; }
    public PieceJobs Pieces { get; }
    public SwarmTicker Ticker { get; }
    public SuperSeeding SuperSeeding { get; }
    public CancellationToken Token { get; }
    /// <summary>Every wanted piece is verified (under the lock).</summary>
    public bool Seeding => _seeding;

    /// <summary>Starts the tick (dialling, time-outs, choking): peers come and go from now on.</summary>
    public void Start()
    {
        Session.SetSwarm(this);
        _ticker = RunTickerAsync();
    }

    private async Task RunTickerAsync()
    {
        try
        {
            await Ticker.RunAsync(Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (Token.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            Session.FailInternal(e);
        }
    }

    /// <summary>The peers of our site met in the client's torrents related to this one (BEP 38, or sharing a file): they will likely fetch it too.</summary>
    private List<ulong> ExpectedOfSite(Torrent torrent) =>
        [.. Client.Torrents.Where(other => other != Session && other.Torrent is { } related
                && (LocalReuse.Related(torrent, related) || LocalReuse.SharesFiles(torrent, related)))
            .SelectMany(other => other.LocalShareKeys())];

    /// <summary>The share keys of the peers of our site met in this torrent (<see cref="SiteShare.Seen"/>).</summary>
    public List<ulong> LocalShareKeys()
    {
        lock (Gate)
            return [.. SiteShare.Seen];
    }

    /// <summary>
    /// The metadata is known and the data checked: opens the files, creates the picker, turns what
    /// connected peers said they have into bitfields, tells them what we have, and starts
    /// downloading or seeding.
    /// </summary>
    public void AttachContent(Torrent torrent, Bitfield have)
    {
        var wantedFiles = Session.Options.FilePriorities;
        var storage = new TorrentStorage(torrent, Session.SaveDirectory, Session.Options.Allocation) { Cache = Client.ReadCache };
        storage.CreateEmptyFiles(i => wantedFiles is null || wantedFiles[i] > 0);
        var picker = new PiecePicker<SwarmPeer>(torrent.PieceCount, torrent.PieceSize, have, new Random(Client.NextSeed()))
        {
            Sequential = Session.Sequential,
        };
        SetPriorities(picker, torrent);
        if (!picker.WantedComplete)
            storage.Allocate(i => wantedFiles is null || wantedFiles[i] > 0);
        var content = new TorrentContent(this, torrent, storage, picker);
        var expected = picker.WantedComplete ? [] : ExpectedOfSite(torrent); // before our lock: it takes the related swarms' locks
        lock (Gate)
        {
            _content = content;
            _seeding = picker.WantedComplete;
            SiteShare.Begin(); // the stall grace counts from the first piece wanted, not from the metadata wait or the check
            SiteShare.Expect(expected);
            SiteShare.InTail = picker.MissingWanted <= SiteShare.TailPieces;
            foreach (var peer in Peers.ToList())
            {
                if (peer.Wire is { } wire) // web seeds join only after this
                    Admission.OnContent(peer, wire, content);
            }
        }
        Flush();
        Session.SetState(_seeding ? TorrentState.Seeding : TorrentState.Downloading);
        Pieces.CheckCompletion(content);
        if (!_seeding)
            content.Links.Create();
    }

    /// <summary>The piece layers being fetched from peers (a v2 torrent from BEP 9 metadata); null otherwise.</summary>
    public PieceLayerFetch? LayerFetch => _layerFetch;

    /// <summary>Fetches the piece layers <paramref name="torrent"/> lacks from the connected peers (BEP 52 hash requests).</summary>
    public async Task<Dictionary<string, ReadOnlyMemory<byte>>> FetchPieceLayersAsync(Torrent torrent, CancellationToken token)
    {
        var fetch = new PieceLayerFetch(torrent, Client.Time);
        lock (Gate)
        {
            _layerFetch = fetch;
            fetch.Pump(Peers);
        }
        try
        {
            return await fetch.Completed.WaitAsync(token).ConfigureAwait(false);
        }
        finally
        {
            _layerFetch = null;
        }
    }

    /// <summary>Waits until the run is stopped (the tick ends with it).</summary>
    public Task RunUntilStoppedAsync() => _ticker ?? Task.CompletedTask;

    /// <summary>Closes every peer, waits for the piece jobs, saves resume data and closes the files.</summary>
    public async Task StopAsync()
    {
        if (_ticker is not null)
            await _ticker.ConfigureAwait(false);
        var content = _content;
        content?.Links.CloseAll();
        await Admission.ShutDownAsync().ConfigureAwait(false);
        if (content is not null)
            await content.Links.DrainAsync().ConfigureAwait(false);
        SavePeers();
        if (content is not null)
        {
            SaveResumeData(content);
            lock (Gate)
            {
                Session.LastVerified = content.Picker.Have.Clone();
                Session.LastProgress = WantedProgress();
                content.Picker.Clear();
                _content = null; // a send loop that still reads finds the run stopped
            }
        }
        Session.SetSwarm(null);
        content?.Storage.Dispose();
        Flush();
    }

    /// <summary>Sets whether every wanted piece is verified; returns the state to announce (after the lock is released), or null.</summary>
    public TorrentState? UpdateSeeding(TorrentContent content)
    {
        bool seeding = content.Picker.WantedComplete;
        if (seeding == _seeding)
            return null;
        _seeding = seeding;
        if (seeding)
            content.Scheduler.TellWithheld();
        return seeding ? TorrentState.Seeding : TorrentState.Downloading;
    }

    // ---------------------------------------------------------------- log lines, written outside the lock

    /// <summary>Defers a log call to the next <see cref="Flush"/>, outside the lock (a logger is someone else's code).</summary>
    public void Defer(Action<ILogger> log)
    {
        lock (_notes)
            _notes.Add(log);
    }

    /// <summary>Queues what must follow a decision taken under the lock (a user's callback, a close that re-enters it) for the next <see cref="Flush"/>.</summary>
    public void AfterRelease(Action action) => Defer(_ => action());

    /// <summary>
    /// Runs what was queued under the lock (log lines, <see cref="AfterRelease"/>) and the user's
    /// ranking of new addresses. Called while the lock is still held (a close that re-entered it:
    /// a web seed's leaving under a ban), it does nothing: the holder flushes after its release.
    /// </summary>
    public void Flush()
    {
        if (Gate.IsHeldByCurrentThread)
            return;
        Session.RankPending();
        Action<ILogger>[] notes;
        lock (_notes)
        {
            if (_notes.Count == 0)
                return;
            notes = [.. _notes];
            _notes.Clear();
        }
        foreach (var note in notes)
            note(Session.Logger);
    }

    // ---------------------------------------------------------------- settings

    public void SetSequential(bool sequential)
    {
        lock (Gate)
        {
            if (_content is { } content)
                content.Picker.Sequential = sequential;
        }
    }

    public void EndSuperSeeding()
    {
        lock (Gate)
            SuperSeeding.End();
        Flush();
    }

    public void ApplyPriorities()
    {
        TorrentState? change;
        TorrentContent content;
        lock (Gate)
        {
            if (_content is null)
                return; // the metadata phase: the priorities apply when the content is attached
            content = _content;
            SetPriorities(content.Picker, content.Torrent);
            change = UpdateSeeding(content);
            foreach (var peer in Peers)
            {
                content.Scheduler.Recount(peer);
                content.Scheduler.UpdateInterest(peer);
            }
        }
        if (change is { } state)
            Session.SetState(state);
        Pieces.CheckCompletion(content);
    }

    private void SetPriorities(PiecePicker<SwarmPeer> picker, Torrent torrent)
    {
        var priorities = Session.Options.FilePriorities;
        for (int piece = 0; piece < torrent.PieceCount; piece++)
            picker.SetPriority(piece, PriorityOf(torrent, piece, priorities));
    }

    /// <summary>A piece's priority: the highest of its files' (0-7; every file 1 without priorities), 0 for a piece of no file.</summary>
    public static byte PriorityOf(Torrent torrent, int piece, IReadOnlyList<int>? priorities)
    {
        int priority = 0;
        foreach (int file in torrent.Space.FilesOfPiece(piece))
            priority = Math.Max(priority, priorities is null ? 1 : Math.Clamp(priorities[file], 0, 7));
        return (byte)priority;
    }

    /// <summary>Writes the peer cache and, once the content exists, the resume data.</summary>
    public void SaveResume()
    {
        SavePeers();
        if (_content is { } content)
            SaveResumeData(content);
    }

    /// <summary>The peers we were connected to, for the next start (an older cache stays when there are none).</summary>
    private void SavePeers()
    {
        List<System.Net.IPEndPoint> peers;
        lock (Gate)
            peers = Session.Peers.RecentlyConnected(PeerCache.MaxPeers);
        if (peers.Count == 0)
            return;
        try
        {
            PeerCache.Save(PeerCache.PathFor(Client.ResumeDirectory, Session.InfoHash.ToHex()), peers);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            EngineLog.ResumeNotSaved(Session.Logger, Session.Name, e.Message);
        }
    }

    private void SaveResumeData(TorrentContent content)
    {
        Bitfield have;
        var torrent = content.Torrent;
        lock (Gate)
            have = content.Picker.Have.Clone();
        try
        {
            new ResumeData(torrent.InfoHashes.Primary.ToHex(), Session.SaveDirectory, have, ResumeData.Snapshot(torrent, Session.SaveDirectory))
                .Save(CheckingPhase.ResumePath(Session, torrent));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            EngineLog.ResumeNotSaved(Session.Logger, Session.Name, e.Message);
        }
    }
}

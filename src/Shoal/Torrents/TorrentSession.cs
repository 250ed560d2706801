using System.Net;
using Microsoft.Extensions.Logging;
using Shoal.Discovery;
using Shoal.Limits;
using Shoal.Metainfo;
using Shoal.Net;
using Shoal.Peers;
using Shoal.Storage;
using Shoal.Wire;

namespace Shoal;

/// <summary>
/// One torrent in a <see cref="ShoalClient"/>: a facade over its phases. It exists from its
/// identity alone (a magnet link) and waits for metadata, then checks what is on disk, then
/// downloads and seeds until paused or stopped (<see cref="TorrentRun"/>). Its peer list lives
/// as long as it does; its swarm (connections, choker, extensions) for each run, with picker and
/// storage once the metadata is known and checked. All of its swarm decisions happen under
/// <see cref="Gate"/>; no event is raised while it is held.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "Its resources live only while it runs; StopAsync (or the client's DisposeAsync) releases them.")]
public sealed partial class TorrentSession : IEngineSourceHost, IIncomingTarget
{
    /// <summary>Guards the run's life: <c>_run</c>, <c>_runTask</c>, <c>_checkOnly</c>, <c>_error</c> and the <see cref="Options"/> record (start, stop, fail, file choice). Never held with <see cref="Gate"/>.</summary>
    private readonly Lock _life = new();
    /// <summary>Each peer source's latest error, for the status; locked on itself (sources report from their own loops).</summary>
    private readonly Dictionary<string, string> _sourceErrors = [];
    private readonly TaskCompletionSource<Torrent> _metadata = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<byte[]> _info = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _metadataPeersAsked;
    private double _metadataProgress;
    private CancellationTokenSource? _run;
    private Task? _runTask;
    private bool _checkOnly;
    private TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile TorrentSwarm? _swarm;
    private volatile Torrent? _torrent;
    private volatile string? _error;
    private int _state = (int)TorrentState.Stopped;
    private bool _sequential;
    private bool _superSeeding;
    private volatile IReadOnlyList<IReadOnlyList<string>>? _trackers;
    private volatile string _saveDirectory;

    internal TorrentSession(ShoalClient client, TorrentIdentity identity, Torrent? torrent, string saveDirectory, TorrentOptions options)
    {
        Client = client;
        var logger = client.Options.LoggerFactory.CreateLogger<TorrentSession>();
        Logger = Supervision.LockRule.Checked ? new Supervision.LockCheckedLogger(logger, client) : logger;
        Identity = identity;
        _torrent = torrent;
        _saveDirectory = Path.GetFullPath(saveDirectory);
        Options = options;
        _sequential = options.Sequential;
        _superSeeding = options.SuperSeeding || options.InitialSeeding;
        DownRate = new RateMeter(client.Time);
        UpRate = new RateMeter(client.Time);
        DownloadLimit = new RateLimiter(options.MaxDownloadRate, client.Time);
        UploadLimit = new RateLimiter(options.MaxUploadRate, client.Time);
        Peers = new PeerList(client.Time, client.EngineRank) { RanksLater = client.Options.PeerRanking is not null };
        foreach (var peer in options.Peers.Concat(identity.Peers))
            Peers.Add(peer, PeerSources.Manual);
        RankPending();
        if (torrent is not null)
            _metadata.TrySetResult(torrent);
    }

    /// <summary>What identifies the torrent before (and after) its metadata: info-hashes, name, trackers.</summary>
    public TorrentIdentity Identity { get; }
    /// <summary>The metadata; null until it is known (a torrent added from a magnet link).</summary>
    public Torrent? Torrent => _torrent;
    /// <summary>The torrent's name (the magnet's display name until the metadata is known).</summary>
    public string Name => _torrent?.Name ?? Identity.Name;
    /// <summary>The folder the data is in (the torrent's name under it); changed only by <see cref="MoveAsync"/>.</summary>
    public string SaveDirectory => _saveDirectory;
    /// <summary>Its options (an immutable record, replaced whole under <c>_life</c>, read without a lock); file priorities change through <see cref="SetFilePriorities"/>.</summary>
    public TorrentOptions Options { get; private set; }
    /// <summary>Where it is in its life; <see cref="StateChanged"/> tells of changes.</summary>
    public TorrentState State => (TorrentState)Volatile.Read(ref _state);
    /// <summary>Why it stopped with <see cref="TorrentState.Error"/>; null otherwise.</summary>
    public string? Error => _error;
    /// <summary>How the last start found out which pieces were already there.</summary>
    public StartCheck LastCheck { get; internal set; }
    /// <summary>Bytes copied in from other torrents' files before the last check.</summary>
    internal long ReusedBytes
    {
        get => Interlocked.Read(ref _reused);
        set => Interlocked.Exchange(ref _reused, value);
    }

    private long _reused;
    /// <summary>This torrent's own download limit; change <see cref="RateLimiter.Rate"/> at any time.</summary>
    public RateLimiter DownloadLimit { get; }
    /// <summary>This torrent's own upload limit; change <see cref="RateLimiter.Rate"/> at any time.</summary>
    public RateLimiter UploadLimit { get; }
    /// <summary>The info-hash it is known by (v1 when it has one, else v2).</summary>
    public InfoHash InfoHash => Identity.InfoHashes.Primary;

    /// <summary>Completes when every wanted piece is verified (again after each new start).</summary>
    public Task Completed => _completed.Task;

    /// <summary>Raised (from any thread, never under the torrent's lock) when <see cref="State"/> changes.</summary>
    public event Action<TorrentSession, TorrentState>? StateChanged;

    internal ShoalClient Client { get; }
    /// <summary>The torrent's one lock: every swarm decision and the peer list are under it.</summary>
    internal Lock Gate { get; } = new();
    internal PeerList Peers { get; }
    internal RateMeter DownRate { get; }
    internal RateMeter UpRate { get; }
    /// <summary>Logs through the client's <see cref="ShoalClientOptions.LoggerFactory"/>; never called under <see cref="Gate"/>.</summary>
    internal ILogger Logger { get; }

    /// <summary>Fetch pieces in order (for playing while downloading) rather than rarest first.</summary>
    public bool Sequential
    {
        get => Volatile.Read(ref _sequential);
        set
        {
            Volatile.Write(ref _sequential, value);
            _swarm?.SetSequential(value);
        }
    }

    /// <summary>
    /// Superseeding (BEP 16) for peers that connect while we seed. Turning it off tells the
    /// peers greeted under it of every piece; turning it on affects peers that connect later.
    /// </summary>
    public bool SuperSeeding
    {
        get => Volatile.Read(ref _superSeeding);
        set
        {
            Volatile.Write(ref _superSeeding, value);
            if (!value)
                _swarm?.EndSuperSeeding();
        }
    }

    /// <summary>Initial seeding reached its end: superseeding is off from now on (the swarm announces the rest itself).</summary>
    internal void EndInitialSeeding() => Volatile.Write(ref _superSeeding, false);

    /// <summary>Changes which files are fetched (priority per file index, 0 = skip).</summary>
    public void SetFilePriorities(IReadOnlyList<int>? priorities)
    {
        if (_torrent is { } torrent && priorities is not null && priorities.Count != torrent.Files.Count)
            throw new ArgumentException($"{priorities.Count} file priorities for {torrent.Files.Count} files");
        lock (_life)
            Options = Options with { FilePriorities = priorities };
        _swarm?.ApplyPriorities();
    }

    /// <summary>Adds a peer address to try (from the user, a tracker, or any other source).</summary>
    public void AddPeer(IPEndPoint endPoint)
    {
        lock (Gate)
            Peers.Add(endPoint, PeerSources.Manual);
        RankPending();
    }

    /// <summary>
    /// Applies the user's ranking (<see cref="ShoalClientOptions.PeerRanking"/>) to the addresses
    /// added since the last call: taken under the lock, ranked outside it, set under it again.
    /// Call it with the lock released.
    /// </summary>
    internal void RankPending()
    {
        if (!Peers.RanksLater)
            return;
        List<IPEndPoint> pending;
        lock (Gate)
            pending = Peers.TakeUnranked();
        if (pending.Count == 0)
            return;
        var ranks = pending.Select(peer => (peer, Client.RankPeer(peer))).ToList();
        lock (Gate)
        {
            foreach (var (peer, rank) in ranks)
                Peers.SetRank(peer, rank);
        }
    }

    /// <summary>
    /// Supplies the metadata of a torrent added from its identity; a torrent waiting for it
    /// goes on to check and download. Throws when it is not the torrent the identity names.
    /// </summary>
    public void SetMetadata(Torrent torrent)
    {
        ArgumentNullException.ThrowIfNull(torrent);
        if (!Identity.Matches(torrent))
            throw new ArgumentException($"the metadata of {torrent.InfoHashes.Primary} is not that of {Identity.InfoHashes.Primary}");
        if (_torrent is not null)
            return;
        if (Options.SelectFiles is not null)
            Supervision.LockRule.UserCode(Client, nameof(TorrentOptions.SelectFiles));
        var chosen = Options.SelectFiles?.Invoke(torrent); // the caller's code: never under the lock
        if (chosen is not null && chosen.Count != torrent.Files.Count)
            throw new ArgumentException($"{chosen.Count} file priorities for {torrent.Files.Count} files");
        lock (_life)
        {
            if (_torrent is not null)
                return;
            if (chosen is not null)
                Options = Options with { FilePriorities = chosen };
            else if (Identity.SelectOnly is { } only && Options.FilePriorities is null)
                Options = Options with { FilePriorities = [.. Enumerable.Range(0, torrent.Files.Count).Select(i => only.Contains(i) ? 1 : 0)] };
            _torrent = torrent;
            _metadata.TrySetResult(torrent);
        }
    }

    internal Task<Torrent> MetadataArrived => _metadata.Task;

    /// <summary>An info dictionary fetched from peers (BEP 9), already checked against the info-hashes.</summary>
    internal Task<byte[]> InfoArrived => _info.Task;

    internal void OnInfoDictionary(byte[] info) => _info.TrySetResult(info);

    /// <summary>How many peers the metadata was asked of (BEP 9) in the current run.</summary>
    internal int MetadataPeersAsked
    {
        get => Volatile.Read(ref _metadataPeersAsked);
        set => Volatile.Write(ref _metadataPeersAsked, value);
    }

    /// <summary>While fetching the metadata (BEP 9): the part of it received in the current attempt (0 to 1).</summary>
    internal double MetadataProgress
    {
        get => Volatile.Read(ref _metadataProgress);
        set => Volatile.Write(ref _metadataProgress, value);
    }

    // ---------------------------------------------------------------- lifecycle

    /// <summary>
    /// Starts (or resumes) the torrent: waits for metadata if needed, checks existing data, then
    /// joins the swarm. A torrent stopped by an error starts again once its failed run has ended.
    /// </summary>
    public async Task StartAsync()
    {
        Task? checking;
        lock (_life)
            checking = _checkOnly ? _runTask : null;
        if (checking is not null)
            await checking.ConfigureAwait(false); // a start during a stopped torrent's check comes after it
        if (State == TorrentState.Error)
        {
            await HaltAsync(TorrentState.Stopped).ConfigureAwait(false);
            lock (_life)
                _error = null;
            SetState(TorrentState.Stopped); // the new run's phases follow
        }
        lock (_life)
        {
            if (_run is not null)
                return;
            _error = null;
            _run = new CancellationTokenSource();
            if (_completed.Task.IsCompleted)
                _completed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _runTask = new TorrentRun(this).RunAsync(_run.Token);
        }
    }

    /// <summary>
    /// Checks the data on disk again, trusting no resume data: a running torrent stops, forgets
    /// its resume data and starts again (hashing what is there and fetching what is not); a
    /// stopped one (with its metadata) is checked at once and stays stopped, as in Transmission.
    /// Returns once the check has begun; <see cref="TorrentStatus.CheckProgress"/> follows it.
    /// </summary>
    public async Task RecheckAsync()
    {
        bool running = await HaltForChangeAsync().ConfigureAwait(false);
        if (_torrent is { } torrent)
            File.Delete(CheckingPhase.ResumePath(this, torrent));
        if (running)
            await StartAsync().ConfigureAwait(false);
        else if (_torrent is not null)
            StartCheckOnly();
    }

    /// <summary>A stopped torrent's check: a run that hashes the data, keeps what it found and stops again.</summary>
    private void StartCheckOnly()
    {
        var after = State is TorrentState.Paused ? TorrentState.Paused : TorrentState.Stopped;
        lock (_life)
        {
            if (_run is not null)
                return;
            _error = null;
            _run = new CancellationTokenSource();
            _checkOnly = true;
            _runTask = new TorrentRun(this).CheckOnlyAsync(after, _run.Token);
        }
    }

    /// <summary>The check-only run ended by itself: the torrent may start again.</summary>
    internal void CheckOnlyEnded(CancellationToken token)
    {
        CancellationTokenSource? run = null;
        lock (_life)
        {
            if (_checkOnly && _run is { } current && current.Token == token)
            {
                run = current;
                _run = null;
                _runTask = null;
            }
            _checkOnly = false;
        }
        run?.Dispose();
    }

    /// <summary>Pauses a running torrent for a change on disk; true when it was running (and should start again).</summary>
    private async Task<bool> HaltForChangeAsync()
    {
        bool running;
        lock (_life)
            running = _run is not null;
        if (running)
            await PauseAsync().ConfigureAwait(false);
        return running;
    }

    /// <summary>Disconnects every peer and saves resume data; <see cref="StartAsync"/> resumes.</summary>
    public Task PauseAsync() => HaltAsync(TorrentState.Paused);

    /// <summary>Stops the torrent: disconnects every peer, tells the trackers, saves resume data.</summary>
    public Task StopAsync() => HaltAsync(TorrentState.Stopped);

    private async Task HaltAsync(TorrentState final)
    {
        CancellationTokenSource? run;
        Task? runTask;
        lock (_life)
        {
            run = _run;
            runTask = _runTask;
            _run = null;
            _runTask = null;
        }
        if (run is not null)
        {
            await run.CancelAsync().ConfigureAwait(false);
            if (runTask is not null)
                await runTask.ConfigureAwait(false);
            run.Dispose();
        }
        if (State is not TorrentState.Error)
            SetState(final);
    }

    /// <summary>Stops the torrent for a bug of ours (or of code plugged into the engine): the status says so, the log has the stack.</summary>
    internal void FailInternal(Exception e, string? where = null)
    {
        EngineLog.InternalError(Logger, Name, e);
        Fail(where is null ? $"internal error ({e.GetType().Name}): {e.Message}" : $"internal error in {where} ({e.GetType().Name}): {e.Message}");
    }

    /// <summary>Stops the torrent with an error (disk full, permissions); other torrents go on.</summary>
    internal void Fail(string message)
    {
        lock (_life)
        {
            if (State == TorrentState.Error)
                return;
            _error = message;
        }
        EngineLog.TorrentFailed(Logger, Name, message);
        SetState(TorrentState.Error);
        CancellationTokenSource? run;
        lock (_life)
            run = _run;
        if (run is not null)
            _ = run.CancelAsync();
    }

    /// <summary>Changes the state and raises <see cref="StateChanged"/>; never call it under <see cref="Gate"/>.</summary>
    internal void SetState(TorrentState state)
    {
        if (Interlocked.Exchange(ref _state, (int)state) == (int)state)
            return;
        Supervision.LockRule.UserCode(Client, nameof(StateChanged));
        EngineLog.StateChanged(Logger, Name, state);
        StateChanged?.Invoke(this, state);
    }

    internal void SetSwarm(TorrentSwarm? swarm) => _swarm = swarm;

    /// <summary>The peers connected now (the swarm's own list: only under <see cref="Gate"/>).</summary>
    internal IReadOnlyList<SwarmPeer> ConnectedPeers() => _swarm?.Peers ?? [];

    internal void SignalCompleted() => _completed.TrySetResult();

    /// <inheritdoc/>
    public override string ToString() => Identity.ToString();
}

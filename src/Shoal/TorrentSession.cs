using System.Net;
using System.Net.Sockets;
using Shoal.Limits;
using Shoal.Metainfo;
using Shoal.Peers;
using Shoal.Storage;
using Shoal.Swarm;
using Shoal.Trackers;
using Shoal.Wire;

namespace Shoal;

/// <summary>
/// One torrent in a <see cref="ShoalClient"/>: its peers, piece picker, choker, storage and
/// trackers. Its swarm decisions happen under one small lock, on the threads that deliver
/// messages; a one-second tick (its own, per torrent) handles timeouts, choking rounds and new
/// connections; hashing and disk writes run on the thread pool.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "Its resources live only while it runs; StopAsync (or the client's DisposeAsync) releases them.")]
public sealed partial class TorrentSession : IPeerHandler
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan InactivityTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(20);
    private const int ChokeRoundTicks = 10;
    private const int OptimisticRoundTicks = 30;
    private const int UnchokeSlots = 4;
    private const int BanAfterFailures = 2;
    private const int MaxFailedPiecesKept = 16;
    private const int MaxKnownPeers = 2000;

    private readonly ShoalClient _client;
    private readonly Lock _gate = new();
    private readonly List<PeerConnection> _peers = [];
    private readonly Dictionary<IPEndPoint, KnownPeer> _known = [];
    private readonly HashSet<string> _bannedPeerIds = [];
    private readonly HashSet<IPEndPoint> _bannedEndPoints = [];
    private readonly Dictionary<int, FailedPiece> _failedPieces = [];
    private readonly List<Task> _jobs = [];
    private readonly Dictionary<PeerConnection, Task> _peerTasks = [];
    private readonly RateMeter _down;
    private readonly RateMeter _up;
    private readonly byte[] _wireHash;
    private readonly int _maxMessageLength;
    private PiecePicker<PeerConnection> _picker;
    private TorrentStorage? _storage;
    private CancellationTokenSource? _run;
    private Task? _runTask;
    private TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _announceNow = new(0, int.MaxValue);
    private long _downloaded;
    private long _uploaded;
    private long _tick;
    private int _connecting;
    private string? _trackerError;

    private sealed class KnownPeer
    {
        public long LastAttempt = long.MinValue;
        public int Failures;
        public bool Connected;
        public bool Self;
    }

    private sealed record FailedPiece(byte[] Data, PeerConnection?[] Senders);

    internal TorrentSession(ShoalClient client, Torrent torrent, string saveDirectory, TorrentOptions options)
    {
        _client = client;
        Torrent = torrent;
        SaveDirectory = Path.GetFullPath(saveDirectory);
        Options = options;
        _down = new RateMeter(client.Time);
        _up = new RateMeter(client.Time);
        DownloadLimit = new RateLimiter(options.MaxDownloadRate, client.Time);
        UploadLimit = new RateLimiter(options.MaxUploadRate, client.Time);
        _wireHash = torrent.InfoHashes.Primary.Span.ToArray();
        _maxMessageLength = Math.Max(128 * 1024, (torrent.PieceCount + 7) / 8 + 1);
        _picker = NewPicker(new Bitfield(torrent.PieceCount));
        foreach (var peer in options.Peers)
            _known[Normalize(peer)] = new KnownPeer();
    }

    public Torrent Torrent { get; }
    public string SaveDirectory { get; }
    public TorrentOptions Options { get; private set; }
    public TorrentState State { get; private set; } = TorrentState.Stopped;
    public string? Error { get; private set; }
    /// <summary>How the last start found out which pieces were already there.</summary>
    public StartCheck LastCheck { get; private set; }
    public RateLimiter DownloadLimit { get; }
    public RateLimiter UploadLimit { get; }
    public InfoHash InfoHash => Torrent.InfoHashes.Primary;

    /// <summary>Completes when every wanted piece is verified (again after each new start).</summary>
    public Task Completed => _completed.Task;

    /// <summary>Raised (from any thread) when <see cref="State"/> changes.</summary>
    public event Action<TorrentSession, TorrentState>? StateChanged;

    /// <summary>Raised for notable peer events (connects, bans, protocol errors): for logs.</summary>
    public event Action<TorrentSession, string>? Log;

    public bool Sequential
    {
        get
        {
            lock (_gate)
                return _picker.Sequential;
        }
        set
        {
            lock (_gate)
                _picker.Sequential = value;
        }
    }

    private PiecePicker<PeerConnection> NewPicker(Bitfield have)
    {
        var picker = new PiecePicker<PeerConnection>(Torrent.PieceCount, Torrent.PieceSize, have, new Random(_client.NextSeed()))
        {
            Sequential = Options.Sequential,
        };
        ApplyPriorities(picker);
        return picker;
    }

    private void ApplyPriorities(PiecePicker<PeerConnection> picker)
    {
        var priorities = Options.FilePriorities;
        for (int piece = 0; piece < Torrent.PieceCount; piece++)
        {
            int priority = 0;
            bool any = false;
            foreach (int file in Torrent.Space.FilesOfPiece(piece))
            {
                any = true;
                priority = Math.Max(priority, priorities is null ? 1 : Math.Clamp(priorities[file], 0, 7));
            }
            picker.SetPriority(piece, (byte)(any ? priority : 0));
        }
    }

    /// <summary>Changes which files are fetched (priority per file index, 0 = skip).</summary>
    public void SetFilePriorities(IReadOnlyList<int>? priorities)
    {
        lock (_gate)
        {
            Options = Options with { FilePriorities = priorities };
            ApplyPriorities(_picker);
            if (State == TorrentState.Seeding && !_picker.WantedComplete)
                SetState(TorrentState.Downloading);
            foreach (var peer in _peers)
                UpdateInterest(peer);
        }
        CheckCompletion();
    }

    /// <summary>Adds a peer address to try (from the user, a tracker, or any other source).</summary>
    public void AddPeer(IPEndPoint endPoint)
    {
        lock (_gate)
        {
            if (_known.Count < MaxKnownPeers)
                _known.TryAdd(Normalize(endPoint), new KnownPeer());
        }
    }

    private static IPEndPoint Normalize(IPEndPoint endPoint) =>
        endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;

    // ---------------------------------------------------------------- lifecycle

    /// <summary>Starts (or resumes) the torrent: checks existing data, then joins the swarm.</summary>
    public Task StartAsync()
    {
        lock (_gate)
        {
            if (_run is not null)
                return Task.CompletedTask;
            Error = null;
            _run = new CancellationTokenSource();
            if (_completed.Task.IsCompleted)
                _completed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            SetState(TorrentState.Checking);
            _runTask = RunAsync(_run.Token);
        }
        return Task.CompletedTask;
    }

    /// <summary>Disconnects every peer and saves resume data; <see cref="StartAsync"/> resumes.</summary>
    public Task PauseAsync() => HaltAsync(TorrentState.Paused);

    public Task StopAsync() => HaltAsync(TorrentState.Stopped);

    private async Task HaltAsync(TorrentState final)
    {
        CancellationTokenSource? run;
        Task? runTask;
        lock (_gate)
        {
            run = _run;
            runTask = _runTask;
            _run = null;
            _runTask = null;
        }
        if (run is null)
        {
            if (State is not TorrentState.Error)
                SetState(final);
            return;
        }
        await run.CancelAsync().ConfigureAwait(false);
        if (runTask is not null)
            await runTask.ConfigureAwait(false);
        run.Dispose();
        if (State is not TorrentState.Error)
            SetState(final);
    }

    private async Task RunAsync(CancellationToken token)
    {
        bool joined = false;
        try
        {
            await Task.Yield();
            await CheckAsync(token).ConfigureAwait(false);
            _storage = new TorrentStorage(Torrent, SaveDirectory, Options.Allocation);
            var wantedFiles = Options.FilePriorities;
            _storage.CreateEmptyFiles(i => wantedFiles is null || wantedFiles[i] > 0);
            if (!_picker.WantedComplete)
                _storage.Allocate(i => wantedFiles is null || wantedFiles[i] > 0);
            lock (_gate)
            {
                joined = true;
                SetState(_picker.WantedComplete ? TorrentState.Seeding : TorrentState.Downloading);
            }
            CheckCompletion();
            _client.Register(this);
            var announce = AnnounceLoopAsync(token);
            await TickLoopAsync(token).ConfigureAwait(false);
            await announce.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Fail(e.Message);
        }
        catch (Exception e)
        {
            // A bug of ours must still stop this torrent visibly, not leave it 'checking'.
            Fail($"internal error ({e.GetType().Name}): {e.Message}");
        }
        finally
        {
            _client.Unregister(this);
            await ShutDownPeersAsync().ConfigureAwait(false);
            if (joined)
                SaveResume();
            _storage?.Dispose();
            _storage = null;
        }
    }

    /// <summary>Stops the torrent with an error (disk full, permissions); other torrents go on.</summary>
    private void Fail(string message)
    {
        lock (_gate)
        {
            if (State == TorrentState.Error)
                return;
            Error = message;
            SetState(TorrentState.Error);
        }
        _ = Task.Run(async () =>
        {
            CancellationTokenSource? run;
            lock (_gate)
                run = _run;
            if (run is not null)
                await run.CancelAsync().ConfigureAwait(false);
        });
    }

    private void SetState(TorrentState state)
    {
        if (State == state)
            return;
        State = state;
        StateChanged?.Invoke(this, state);
    }

    private async Task ShutDownPeersAsync()
    {
        List<PeerConnection> peers;
        Task[] jobs;
        Task[] peerTasks;
        lock (_gate)
        {
            peers = [.. _peers];
            jobs = [.. _jobs];
            peerTasks = [.. _peerTasks.Values];
        }
        foreach (var peer in peers)
            peer.Close("torrent stopped");
        await Task.WhenAll(peerTasks).ConfigureAwait(false); // every peer is gone from the lists
        await Task.WhenAll(jobs).ConfigureAwait(false);
        lock (_gate)
        {
            _picker.Clear();
            foreach (var failed in _failedPieces.Values)
                System.Buffers.ArrayPool<byte>.Shared.Return(failed.Data);
            _failedPieces.Clear();
        }
    }

    // ---------------------------------------------------------------- checking and resume

    private string ResumePath => Path.Combine(_client.ResumeDirectory, ResumeData.FileName(Torrent));

    private async Task CheckAsync(CancellationToken token)
    {
        var resume = ResumeData.TryLoad(ResumePath, Torrent, SaveDirectory);
        Bitfield have;
        if (resume is not null && resume.MatchesDisk(Torrent, SaveDirectory))
        {
            have = resume.Pieces;
            LastCheck = StartCheck.ResumeData;
        }
        else if (Torrent.Files.Any(f => !f.IsPadding && File.Exists(TorrentVerifier.PathOf(SaveDirectory, f))))
        {
            var result = await TorrentVerifier.VerifyAsync(Torrent, SaveDirectory, null, token).ConfigureAwait(false);
            have = new Bitfield(Torrent.PieceCount);
            foreach (int piece in result.Indices(PieceState.Good))
                have[piece] = true;
            LastCheck = StartCheck.Hashed;
        }
        else
        {
            have = new Bitfield(Torrent.PieceCount);
            LastCheck = StartCheck.NoData;
        }
        lock (_gate)
            _picker = NewPicker(have);
    }

    /// <summary>Writes resume data now (it is also written on every stop and on completion).</summary>
    public void SaveResume()
    {
        Bitfield have;
        lock (_gate)
            have = _picker.Have.Clone();
        try
        {
            new ResumeData(Torrent.InfoHashes.Primary.ToHex(), SaveDirectory, have, ResumeData.Snapshot(Torrent, SaveDirectory)).Save(ResumePath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log?.Invoke(this, $"cannot save resume data: {e.Message}");
        }
    }

    // ---------------------------------------------------------------- status

    public TorrentStatus GetStatus()
    {
        lock (_gate)
        {
            long wanted = 0, verified = 0;
            for (int i = 0; i < Torrent.PieceCount; i++)
            {
                if (!_picker.IsWanted(i))
                    continue;
                int size = Torrent.PieceSize(i);
                wanted += size;
                if (_picker.Have[i])
                    verified += size;
            }
            long downRate = _down.Rate;
            TimeSpan? eta = State == TorrentState.Seeding ? TimeSpan.Zero
                : downRate > 0 ? TimeSpan.FromSeconds((double)(wanted - verified) / downRate) : null;
            int seeds = _peers.Count(p => p.Has.All);
            return new TorrentStatus(
                Torrent.Name, InfoHash.ToHex(), State,
                wanted == 0 ? 1 : (double)verified / wanted,
                verified, wanted, Torrent.TotalSize,
                Interlocked.Read(ref _downloaded), Interlocked.Read(ref _uploaded),
                downRate, _up.Rate, _peers.Count, seeds, eta, Error, _trackerError);
        }
    }

    /// <summary>Pieces verified so far (a copy).</summary>
    public Bitfield VerifiedPieces
    {
        get
        {
            lock (_gate)
                return _picker.Have.Clone();
        }
    }

    public IReadOnlyList<PeerInfo> GetPeers()
    {
        lock (_gate)
            return [.. _peers.Select(p => new PeerInfo(p.EndPoint, p.Client, p.Has.SetCount / (double)Math.Max(1, p.Has.Count),
                p.Down.Rate, p.Up.Rate, p.AmChoking, p.PeerChoking, p.AmInterested, p.PeerInterested, p.Outgoing))];
    }

    // ---------------------------------------------------------------- connections

    /// <summary>An incoming connection whose handshake named this torrent: answer it and attach.</summary>
    internal async Task AcceptAsync(Socket socket, Handshake remote, IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        var reply = new Handshake(Handshake.OurReserved(), remote.InfoHash, _client.PeerIdBytes);
        await PeerHandshaker.SendAsync(socket, reply, cancellationToken).ConfigureAwait(false);
        Attach(socket, remote, outgoing: false, endPoint);
    }

    private async Task ConnectAsync(IPEndPoint endPoint, CancellationToken token)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        bool attached = false;
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(token);
            deadline.CancelAfter(_client.Options.ConnectTimeout);
            await socket.ConnectAsync(endPoint, deadline.Token).ConfigureAwait(false);
            await PeerHandshaker.SendAsync(socket, new Handshake(Handshake.OurReserved(), _wireHash, _client.PeerIdBytes), deadline.Token).ConfigureAwait(false);
            var remote = await PeerHandshaker.ReceiveAsync(socket, deadline.Token).ConfigureAwait(false);
            if (!remote.InfoHash.AsSpan().SequenceEqual(_wireHash))
                throw new PeerProtocolException("the peer answered with another info-hash");
            attached = Attach(socket, remote, outgoing: true, endPoint);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or PeerProtocolException or ObjectDisposedException)
        {
            lock (_gate)
            {
                if (_known.TryGetValue(endPoint, out var known))
                {
                    known.Failures++;
                    known.Connected = false;
                }
            }
        }
        finally
        {
            Interlocked.Decrement(ref _connecting);
            _client.EndHalfOpen();
            if (!attached)
                socket.Dispose();
        }
    }

    private bool Attach(Socket socket, Handshake remote, bool outgoing, IPEndPoint endPoint)
    {
        endPoint = Normalize(endPoint);
        PeerConnection peer;
        CancellationToken token;
        lock (_gate)
        {
            string id = Convert.ToHexStringLower(remote.PeerId);
            string? refuse = null;
            if (_run is null || State is not (TorrentState.Downloading or TorrentState.Seeding))
                refuse = "torrent not running";
            else if (remote.PeerId.AsSpan().SequenceEqual(_client.PeerIdBytes))
            {
                refuse = "connected to ourselves";
                if (_known.TryGetValue(endPoint, out var self))
                    self.Self = true;
            }
            else if (_bannedPeerIds.Contains(id) || _bannedEndPoints.Contains(endPoint))
                refuse = "banned";
            else if (_peers.FirstOrDefault(p => !p.IsClosed && p.RemotePeerId.AsSpan().SequenceEqual(remote.PeerId)) is { } existing)
            {
                // Two connections to one peer (both dialled at once): both sides keep the one
                // dialled by the smaller peer id, so they agree on which survives.
                if (KeepNew(existing, outgoing, remote.PeerId))
                    existing.Close("replaced by the other connection to this peer");
                else
                    refuse = "already connected to this peer";
            }
            if (refuse is null && (_peers.Count(p => !p.IsClosed) >= Options.MaxConnections || !_client.TryAddConnection()))
                refuse = "connection limit";
            if (refuse is not null)
            {
                if (outgoing && _known.TryGetValue(endPoint, out var known))
                    known.Connected = refuse == "already connected to this peer";
                socket.Dispose();
                return false;
            }
            token = _run!.Token;
            peer = new PeerConnection(socket, remote, outgoing, endPoint, _client.Time,
                [DownloadLimit, _client.DownloadLimit], [UploadLimit, _client.UploadLimit], new Bitfield(Torrent.PieceCount));
            if (outgoing)
            {
                peer.ListenEndPoint = endPoint;
                if (_known.TryGetValue(endPoint, out var known))
                {
                    known.Connected = true;
                    known.Failures = 0;
                }
            }
            _peers.Add(peer);
            SendGreeting(peer);
            // RunPeerAsync yields before doing anything, so its clean-up (under this lock) comes after this.
            _peerTasks[peer] = RunPeerAsync(peer, token);
        }
        Log?.Invoke(this, $"connected {(outgoing ? "to" : "from")} {peer}");
        return true;
    }

    /// <summary>Whether a new connection to a peer we already have replaces the existing one.</summary>
    private bool KeepNew(PeerConnection existing, bool newOutgoing, byte[] remoteId)
    {
        byte[] ours = _client.PeerIdBytes;
        byte[] InitiatorOf(bool outgoing) => outgoing ? ours : remoteId;
        var existingInitiator = InitiatorOf(existing.Outgoing);
        var newInitiator = InitiatorOf(newOutgoing);
        int order = newInitiator.AsSpan().SequenceCompareTo(existingInitiator);
        return order < 0; // same initiator: keep the existing one
    }

    private void SendGreeting(PeerConnection peer)
    {
        if (peer.SupportsExtensions)
        {
            var ext = new ExtensionHandshake
            {
                Client = "Shoal 0.1",
                RequestQueue = 500,
                ListenPort = _client.ListenPort > 0 ? _client.ListenPort : null,
                YourIp = peer.EndPoint.Address,
            };
            peer.SendExtended(0, ext.Encode());
        }
        var have = _picker.Have;
        if (peer.SupportsFast && have.All)
            peer.Send(MessageId.HaveAll);
        else if (peer.SupportsFast && have.None)
            peer.Send(MessageId.HaveNone);
        else if (!have.None)
            peer.SendPayload(MessageId.Bitfield, have.Bytes);
        if (peer.SupportsFast && !have.None)
        {
            foreach (int piece in AllowedFast.Compute(peer.EndPoint.Address, _wireHash, Torrent.PieceCount, AllowedFast.DefaultCount))
            {
                if (have[piece])
                {
                    peer.AllowedFastForThem.Add(piece);
                    peer.SendIndex(MessageId.AllowedFast, piece);
                }
            }
        }
    }

    private async Task RunPeerAsync(PeerConnection peer, CancellationToken token)
    {
        await Task.Yield();
        await peer.RunAsync(this, _maxMessageLength, token).ConfigureAwait(false);
        lock (_gate)
        {
            _peers.Remove(peer);
            _peerTasks.Remove(peer);
            _picker.RemoveAvailability(peer.Has);
            ReleaseRequests(peer);
            _picker.Forget(peer);
            if (peer.ListenEndPoint is { } listen && _known.TryGetValue(listen, out var known)
                && !_peers.Any(p => listen.Equals(p.ListenEndPoint)))
            {
                known.Connected = false;
                known.LastAttempt = _client.Time.GetTimestamp();
            }
            if (!peer.AmChoking && State == TorrentState.Downloading || State == TorrentState.Seeding)
                UnchokeIfSlotFree();
        }
        _client.RemoveConnection();
        if (!token.IsCancellationRequested)
            Log?.Invoke(this, $"closed {peer}: {peer.CloseReason}");
        await peer.DisposeAsync().ConfigureAwait(false);
    }

    private void ReleaseRequests(PeerConnection peer)
    {
        foreach (var request in peer.Outstanding.Keys)
            _picker.Release(peer, request);
        peer.Outstanding.Clear();
    }

    private void Ban(PeerConnection peer, string reason)
    {
        _bannedPeerIds.Add(Convert.ToHexStringLower(peer.RemotePeerId));
        if (peer.ListenEndPoint is not null)
            _bannedEndPoints.Add(peer.ListenEndPoint);
        Log?.Invoke(this, $"banned {peer}: {reason}");
        peer.Close($"banned: {reason}");
    }

    /// <summary>Addresses and peer ids banned for sending bad data.</summary>
    public int BannedCount
    {
        get
        {
            lock (_gate)
                return _bannedPeerIds.Count;
        }
    }
}

/// <summary>A snapshot of one connected peer.</summary>
public sealed record PeerInfo(IPEndPoint EndPoint, string Client, double Progress, long DownRate, long UpRate,
    bool AmChoking, bool PeerChoking, bool AmInterested, bool PeerInterested, bool Outgoing);

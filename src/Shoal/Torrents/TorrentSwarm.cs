using System.Buffers;
using Microsoft.Extensions.Logging;
using Shoal.Extensions;
using Shoal.Metainfo;
using Shoal.Peers;
using Shoal.Storage;
using Shoal.Swarm;
using Shoal.Wire;

namespace Shoal;

/// <summary>
/// A running torrent whose metadata is known: the state its parts share (peers, picker, storage,
/// choker, extensions), all under the torrent's one lock. The parts: <see cref="PeerAdmission"/>
/// (dial, accept, attach, leave), <see cref="PeerMessages"/> (one peer's messages),
/// <see cref="RequestScheduler"/> (interest and requests), <see cref="PieceJobs"/> (hash, write,
/// smart ban, completion) and <see cref="SwarmTicker"/> (timeouts, choking rounds, dialling).
/// Under the lock: decisions only. Log lines noted under it are raised after it is released.
/// </summary>
internal sealed class TorrentSwarm
{
    private readonly List<Action<ILogger>> _notes = [];
    private bool _seeding;
    private volatile TorrentStorage? _storage;

    public TorrentSwarm(TorrentSession session, Torrent torrent, Bitfield have, TorrentRun run)
    {
        Session = session;
        Torrent = torrent;
        Run = run;
        Client = session.Client;
        Gate = session.Gate;
        WireHash = torrent.InfoHashes.Primary.Span.ToArray();
        MaxMessageLength = Math.Max(128 * 1024, (torrent.PieceCount + 7) / 8 + 1);
        Picker = new PiecePicker<SwarmPeer>(torrent.PieceCount, torrent.PieceSize, have, new Random(Client.NextSeed()))
        {
            Sequential = session.Sequential,
        };
        SetPriorities(Picker);
        Choker = new Choker<SwarmPeer>(Client.Time, new Random(Client.NextSeed()));
        foreach (var factory in Client.ExtensionFactories)
        {
            if (factory(session) is { } extension)
                Extensions.Register(extension);
        }
        Admission = new PeerAdmission(this);
        Scheduler = new RequestScheduler(this);
        Pieces = new PieceJobs(this);
        Ticker = new SwarmTicker(this);
    }

    public TorrentSession Session { get; }
    public Torrent Torrent { get; }
    public TorrentRun Run { get; }
    public ShoalClient Client { get; }
    public Lock Gate { get; }
    public byte[] WireHash { get; }
    public int MaxMessageLength { get; }
    public PiecePicker<SwarmPeer> Picker { get; }
    public Choker<SwarmPeer> Choker { get; }
    public ExtensionRegistry Extensions { get; } = new();
    /// <summary>Each file's tree above its piece layer, for BEP 52 hash requests.</summary>
    public PieceLayerTrees LayerTrees { get; } = new();
    /// <summary>Set once the files are open (read by send loops and piece jobs outside the lock, hence volatile).</summary>
    public TorrentStorage? Storage => _storage;
    public List<SwarmPeer> Peers { get; } = [];
    public HashSet<string> BannedPeerIds { get; } = [];
    public PeerAdmission Admission { get; }
    public RequestScheduler Scheduler { get; }
    public PieceJobs Pieces { get; }
    public SwarmTicker Ticker { get; }
    public CancellationToken Token { get; private set; }
    /// <summary>Every wanted piece is verified (under the lock).</summary>
    public bool Seeding => _seeding;

    public async Task RunAsync(CancellationToken token)
    {
        Token = token;
        bool joined = false;
        try
        {
            var wantedFiles = Session.Options.FilePriorities;
            var storage = new TorrentStorage(Torrent, Session.SaveDirectory, Session.Options.Allocation);
            _storage = storage;
            storage.CreateEmptyFiles(i => wantedFiles is null || wantedFiles[i] > 0);
            bool complete;
            lock (Gate)
                complete = Picker.WantedComplete;
            if (!complete)
                storage.Allocate(i => wantedFiles is null || wantedFiles[i] > 0);
            lock (Gate)
                _seeding = Picker.WantedComplete;
            joined = true;
            Session.SetSwarm(this);
            Session.SetState(_seeding ? TorrentState.Seeding : TorrentState.Downloading);
            Pieces.CheckCompletion();
            Run.StartSources(token);
            await Ticker.RunAsync(token).ConfigureAwait(false);
        }
        finally
        {
            await Admission.ShutDownAsync().ConfigureAwait(false);
            if (joined)
                SaveResume();
            lock (Gate)
            {
                Session.LastVerified = Picker.Have.Clone();
                Session.LastProgress = WantedProgress();
                Picker.Clear();
            }
            Session.SetSwarm(null);
            _storage?.Dispose();
            _storage = null;
            Flush();
        }
    }

    /// <summary>Sets whether every wanted piece is verified; returns the state to announce (after the lock is released), or null.</summary>
    public TorrentState? UpdateSeeding()
    {
        bool seeding = Picker.WantedComplete;
        if (seeding == _seeding)
            return null;
        _seeding = seeding;
        return seeding ? TorrentState.Seeding : TorrentState.Downloading;
    }

    // ---------------------------------------------------------------- log lines, written outside the lock

    /// <summary>Defers a log call to the next <see cref="Flush"/>, outside the lock (a logger is someone else's code).</summary>
    public void Defer(Action<ILogger> log)
    {
        lock (_notes)
            _notes.Add(log);
    }

    /// <summary>Writes the deferred log lines; call it with the lock released.</summary>
    public void Flush()
    {
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
            Picker.Sequential = sequential;
    }

    public void ApplyPriorities()
    {
        TorrentState? change;
        lock (Gate)
        {
            SetPriorities(Picker);
            change = UpdateSeeding();
            foreach (var peer in Peers)
            {
                Scheduler.Recount(peer);
                Scheduler.UpdateInterest(peer);
            }
        }
        if (change is { } state)
            Session.SetState(state);
        Pieces.CheckCompletion();
    }

    private void SetPriorities(PiecePicker<SwarmPeer> picker)
    {
        var priorities = Session.Options.FilePriorities;
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

    // ---------------------------------------------------------------- status

    private (long Verified, long Wanted) WantedProgress()
    {
        long wanted = 0, verified = 0;
        for (int i = 0; i < Torrent.PieceCount; i++)
        {
            if (!Picker.IsWanted(i))
                continue;
            int size = Torrent.PieceSize(i);
            wanted += size;
            if (Picker.Have[i])
                verified += size;
        }
        return (verified, wanted);
    }

    public (long Verified, long Wanted, int Peers, int Seeds) Progress()
    {
        lock (Gate)
        {
            var (verified, wanted) = WantedProgress();
            return (verified, wanted, Peers.Count, Peers.Count(p => p.Has.All));
        }
    }

    public Bitfield VerifiedPieces()
    {
        lock (Gate)
            return Picker.Have.Clone();
    }

    public IReadOnlyList<PeerInfo> PeerInfos()
    {
        lock (Gate)
            return [.. Peers.Select(p => new PeerInfo(p.EndPoint, p.Client, p.Has.SetCount / (double)Math.Max(1, p.Has.Count),
                p.Down.Rate, p.Up.Rate, p.AmChoking, p.PeerChoking, p.AmInterested, p.PeerInterested, p.Outgoing, p.Snubbed))];
    }

    public int BannedCount
    {
        get
        {
            lock (Gate)
                return BannedPeerIds.Count;
        }
    }

    public void SaveResume()
    {
        Bitfield have;
        lock (Gate)
            have = Picker.Have.Clone();
        try
        {
            new ResumeData(Torrent.InfoHashes.Primary.ToHex(), Session.SaveDirectory, have, ResumeData.Snapshot(Torrent, Session.SaveDirectory))
                .Save(CheckingPhase.ResumePath(Session, Torrent));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            EngineLog.ResumeNotSaved(Session.Logger, Torrent.Name, e.Message);
        }
    }

    // ---------------------------------------------------------------- shared helpers (under the lock)

    public void CheckPiece(int index, string what)
    {
        if ((uint)index >= (uint)Torrent.PieceCount)
            throw new PeerProtocolException($"{what} for piece {index} of {Torrent.PieceCount}");
    }

    public void ReleaseRequests(SwarmPeer peer)
    {
        foreach (var request in peer.Outstanding.Keys)
            Picker.Release(peer, request);
        peer.Outstanding.Clear();
    }

    public void Ban(SwarmPeer peer, string reason)
    {
        if (peer.Wire is { } wire)
            BannedPeerIds.Add(Convert.ToHexStringLower(wire.RemotePeerId));
        if (peer.ListenEndPoint is not null)
            Session.Peers.Ban(peer.ListenEndPoint);
        string name = peer.ToString();
        Defer(log => EngineLog.PeerBanned(log, Torrent.Name, name, reason));
        peer.Link.Close($"banned: {reason}");
    }

    public bool IsBanned(SwarmPeer peer) =>
        peer.Wire is { } wire && BannedPeerIds.Contains(Convert.ToHexStringLower(wire.RemotePeerId));
}

using Shoal.Peers;
using Shoal.Wire;

namespace Shoal;

/// <summary>What a torrent counts and reports: bytes moved, corrupt and checked, and its status, pieces, files and peers.</summary>
public sealed partial class TorrentSession
{
    private long _downloaded;
    private long _uploaded;
    private long _corrupt;
    private long _checkDone;
    private long _checkTotal = -1;

    internal long Downloaded => Interlocked.Read(ref _downloaded);
    internal long Uploaded => Interlocked.Read(ref _uploaded);
    internal void CountDownloaded(int bytes, bool fromSite)
    {
        DownRate.Add(bytes);
        Interlocked.Add(ref _downloaded, bytes);
        Client.CountDownloaded(bytes, fromSite);
    }

    internal void CountUploaded(int bytes)
    {
        UpRate.Add(bytes);
        Interlocked.Add(ref _uploaded, bytes);
        Client.CountUploaded(bytes);
    }

    /// <summary>A piece of <paramref name="bytes"/> failed its hash check.</summary>
    internal void CountCorrupt(int bytes) => Interlocked.Add(ref _corrupt, bytes);

    /// <summary>Checking the data on disk begins (<paramref name="total"/> bytes to hash) or ends (null).</summary>
    internal void CheckingBytes(long? total)
    {
        Interlocked.Exchange(ref _checkDone, 0);
        Interlocked.Exchange(ref _checkTotal, total ?? -1);
    }

    /// <summary>The check hashed <paramref name="bytes"/> more (any thread).</summary>
    internal void CheckedBytes(long bytes) => Interlocked.Add(ref _checkDone, bytes);

    private double? CheckProgress
    {
        get
        {
            long total = Interlocked.Read(ref _checkTotal);
            return total < 0 ? null : total == 0 ? 1.0 : Math.Clamp((double)Interlocked.Read(ref _checkDone) / total, 0, 1);
        }
    }

    // ---------------------------------------------------------------- status

    /// <summary>A snapshot of its progress, rates, peers and errors.</summary>
    public TorrentStatus GetStatus()
    {
        var swarm = _swarm;
        var (verified, wanted, available, uncheckedBytes, peers, seeds) = swarm?.Progress() ?? (LastProgress.Verified, LastProgress.Wanted, null, 0, 0, 0);
        long total = _torrent?.TotalSize ?? 0;
        long downRate = DownRate.Rate;
        TimeSpan? eta = State == TorrentState.Seeding ? TimeSpan.Zero
            : downRate > 0 ? TimeSpan.FromSeconds((double)(wanted - verified) / downRate) : null;
        string? trackerError;
        lock (_sourceErrors)
            trackerError = _sourceErrors.GetValueOrDefault("tracker");
        return new TorrentStatus(
            Name, InfoHash.ToHex(), State,
            wanted == 0 ? (State == TorrentState.Seeding ? 1 : 0) : (double)verified / wanted,
            verified, wanted, total, Downloaded, Uploaded,
            downRate, UpRate.Rate, peers, seeds, eta, Error, trackerError)
        {
            MetadataPeers = MetadataPeersAsked,
            HasMetadata = _torrent is not null,
            MetadataProgress = _torrent is not null ? 1 : MetadataProgress,
            CorruptBytes = Interlocked.Read(ref _corrupt),
            CheckProgress = CheckProgress,
            AvailableBytes = available,
            UncheckedBytes = uncheckedBytes,
            ReusedBytes = ReusedBytes,
        };
    }

    /// <summary>Pieces verified so far (a copy); empty before the metadata is known.</summary>
    public Bitfield VerifiedPieces => _swarm?.VerifiedPieces() ?? LastVerified ?? new Bitfield(_torrent?.PieceCount ?? 0);

    /// <summary>What the last run had verified when it stopped.</summary>
    internal Bitfield? LastVerified
    {
        get => Volatile.Read(ref _lastVerified);
        set => Volatile.Write(ref _lastVerified, value);
    }

    /// <summary>What the last run had verified and wanted, in bytes: one immutable box, so a reader on another thread never sees half of it.</summary>
    internal (long Verified, long Wanted) LastProgress
    {
        get => Volatile.Read(ref _lastProgress)?.Value ?? default;
        set => Volatile.Write(ref _lastProgress, new System.Runtime.CompilerServices.StrongBox<(long, long)>(value));
    }

    private Bitfield? _lastVerified;
    private System.Runtime.CompilerServices.StrongBox<(long, long)>? _lastProgress;

    /// <summary>Verified bytes of each file (by index in <see cref="Metainfo.Torrent.Files"/>); empty before the metadata is known.</summary>
    public long[] GetFileProgress()
    {
        if (_torrent is not { } torrent)
            return [];
        var have = new long[torrent.Files.Count];
        foreach (int piece in VerifiedPieces.SetIndices())
        {
            foreach (var range in torrent.Space.Ranges((long)piece * torrent.PieceLength, torrent.PieceSize(piece)))
                have[range.File] += range.Length;
        }
        return have;
    }

    /// <summary>Per piece: -1 when we have it, else how many connected peers have it; empty while not running.</summary>
    public int[] GetPieceAvailability() => _swarm?.Availability() ?? [];

    /// <summary>The peers connected now, with their rates and flags.</summary>
    public IReadOnlyList<PeerInfo> GetPeers() => _swarm?.PeerInfos() ?? [];

    /// <summary>The share keys of the peers of our site met in this torrent (<see cref="Swarm.SiteShare.Expect"/>).</summary>
    internal IReadOnlyList<ulong> LocalShareKeys() => _swarm?.LocalShareKeys() ?? [];

    /// <summary>The connection limit (<see cref="TorrentOptions.MaxConnections"/>), changeable while it runs: a lower one closes no peer, it only admits none until under it.</summary>
    public int MaxConnections
    {
        get => Options.MaxConnections;
        set => Options = Options with { MaxConnections = Math.Clamp(value, 1, 100_000) };
    }

    /// <summary>Whether the torrent runs and has room for one more peer (read without its lock: a hint for the listener).</summary>
    internal bool HasPeerRoom => _swarm?.HasPeerRoom ?? false;

    /// <summary>Peer ids banned for sending bad data.</summary>
    public int BannedCount => _swarm?.BannedCount ?? 0;

    /// <summary>Writes resume data now (it is also written on every stop and on completion).</summary>
    public void SaveResume() => _swarm?.SaveResume();
}

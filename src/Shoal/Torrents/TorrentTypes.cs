using System.Net;
using Shoal.Storage;

namespace Shoal;

public enum TorrentState
{
    Stopped,
    /// <summary>Added from its identity (a magnet link): waiting for the metadata.</summary>
    AwaitingMetadata,
    Checking,
    Downloading,
    /// <summary>Every wanted piece is verified; uploading to others.</summary>
    Seeding,
    Paused,
    /// <summary>Stopped by an error (a full disk, a read-only folder); see <see cref="TorrentStatus.Error"/>.</summary>
    Error,
}

/// <summary>How a start learned which pieces were already on disk.</summary>
public enum StartCheck
{
    NotStarted,
    /// <summary>No file of the torrent existed: nothing to check.</summary>
    NoData,
    /// <summary>Resume data matched the files' sizes and times: trusted without hashing.</summary>
    ResumeData,
    /// <summary>Every piece on disk was hashed (no resume data, or the files changed, or a crash).</summary>
    Hashed,
}

/// <summary>A snapshot of one torrent.</summary>
public sealed record TorrentStatus(
    string Name,
    string InfoHash,
    TorrentState State,
    double Progress,
    long VerifiedBytes,
    long WantedBytes,
    long TotalBytes,
    long Downloaded,
    long Uploaded,
    long DownRate,
    long UpRate,
    int Peers,
    int Seeds,
    TimeSpan? Eta,
    string? Error,
    string? TrackerError)
{
    public bool IsFinished => State == TorrentState.Seeding;
}

/// <summary>Per-torrent settings.</summary>
public sealed record TorrentOptions
{
    /// <summary>Bytes per second; 0 for no limit.</summary>
    public long MaxDownloadRate { get; init; }
    public long MaxUploadRate { get; init; }
    /// <summary>Fetch pieces in order (for streaming) instead of rarest first.</summary>
    public bool Sequential { get; init; }
    /// <summary>Priority per file index (0 = skip); null downloads everything.</summary>
    public IReadOnlyList<int>? FilePriorities { get; init; }
    public int MaxConnections { get; init; } = 60;
    public AllocationMode Allocation { get; init; } = AllocationMode.Sparse;
    /// <summary>Peers to connect to without a tracker.</summary>
    public IReadOnlyList<IPEndPoint> Peers { get; init; } = [];
    /// <summary>Re-announce at least this often whatever the tracker's interval says.</summary>
    public TimeSpan? MaxAnnounceInterval { get; init; }
    /// <summary>Ignore the torrent's trackers (peers come only from <see cref="Peers"/> and <see cref="TorrentSession.AddPeer"/>).</summary>
    public bool DisableTrackers { get; init; }
}

/// <summary>A snapshot of one connected peer.</summary>
public sealed record PeerInfo(IPEndPoint EndPoint, string Client, double Progress, long DownRate, long UpRate,
    bool AmChoking, bool PeerChoking, bool AmInterested, bool PeerInterested, bool Outgoing, bool Snubbed = false);

namespace Shoal;

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
    /// <summary>Every wanted piece is verified.</summary>
    public bool IsFinished => State == TorrentState.Seeding;
    /// <summary>While awaiting metadata: how many peers were asked for it (BEP 9).</summary>
    public int MetadataPeers { get; init; }
}

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
    /// <summary>Whether the metadata (the info dictionary) is known; a magnet link's torrent has none until peers send it.</summary>
    public bool HasMetadata { get; init; }
    /// <summary>The part of the metadata known: 1 once it is; while a magnet fetches it, the part received from peers so far.</summary>
    public double MetadataProgress { get; init; }
    /// <summary>Bytes received in pieces that failed their hash check, since the torrent was added.</summary>
    public long CorruptBytes { get; init; }
    /// <summary>While checking the data on disk: the part hashed so far (0 to 1); null otherwise.</summary>
    public double? CheckProgress { get; init; }
    /// <summary>Of the wanted bytes we lack, those that connected peers (and web seeds) have; null while not running or before the metadata.</summary>
    public long? AvailableBytes { get; init; }
    /// <summary>Bytes received for pieces not yet complete, so not yet checked against their hash.</summary>
    public long UncheckedBytes { get; init; }
    /// <summary>Bytes copied in from other torrents' files before the last check (see <see cref="TorrentOptions.ReuseLocalData"/>).</summary>
    public long ReusedBytes { get; init; }
}

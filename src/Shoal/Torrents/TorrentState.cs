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

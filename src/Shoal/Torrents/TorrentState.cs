namespace Shoal;

/// <summary>Where a torrent is in its life.</summary>
public enum TorrentState
{
    /// <summary>Not started, or stopped.</summary>
    Stopped,
    /// <summary>Added from its identity (a magnet link): waiting for the metadata.</summary>
    AwaitingMetadata,
    /// <summary>Finding out which pieces are already on disk.</summary>
    Checking,
    /// <summary>Fetching pieces from peers.</summary>
    Downloading,
    /// <summary>Every wanted piece is verified; uploading to others.</summary>
    Seeding,
    /// <summary>Paused: peers disconnected, resume data saved; a start resumes.</summary>
    Paused,
    /// <summary>Stopped by an error (a full disk, a read-only folder); see <see cref="TorrentStatus.Error"/>.</summary>
    Error,
}

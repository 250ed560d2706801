namespace Shoal.Daemon;

/// <summary>A torrent as the daemon keeps it: Transmission's numeric id, the engine's session, and what survives a restart.</summary>
public sealed class DaemonTorrent(int id, TorrentSession session, string? magnet, long addedDate)
{
    public int Id { get; } = id;
    public TorrentSession Session { get; } = session;
    /// <summary>The magnet it was added from (null when from a .torrent).</summary>
    public string? Magnet { get; } = magnet;
    /// <summary>Unix seconds.</summary>
    public long AddedDate { get; } = addedDate;
    /// <summary>Stopped by the user: stays stopped across restarts.</summary>
    public bool Paused { get; set; }
    /// <summary>Its own limits in kB/s (1000 bytes) and whether each is on, as torrent-set gives them.</summary>
    public int DownloadLimit { get; set; } = 100;
    public bool DownloadLimited { get; set; }
    public int UploadLimit { get; set; } = 100;
    public bool UploadLimited { get; set; }

    /// <summary>The user changed its trackers: the list is kept with it rather than taken from the metainfo.</summary>
    public bool TrackersEdited { get; set; }

    /// <summary>Puts its limits into the engine.</summary>
    public void ApplyLimits()
    {
        Session.DownloadLimit.Rate = DownloadLimited ? DownloadLimit * 1000L : 0;
        Session.UploadLimit.Rate = UploadLimited ? UploadLimit * 1000L : 0;
    }

    /// <summary>
    /// Each file's engine priority (0: not wanted; else 2 plus Transmission's -1/0/1, so low 1,
    /// normal 2, high 3), all normal when none was set.
    /// </summary>
    public int[] FilePriorities() => Session.Torrent is { } torrent
        ? [.. Enumerable.Range(0, torrent.Files.Count).Select(i => Session.Options.FilePriorities is { } p ? p[i] : 2)]
        : [];
    public string HashString => Session.InfoHash.ToHex();
}

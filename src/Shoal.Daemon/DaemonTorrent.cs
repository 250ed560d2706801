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
    /// <summary>Its .torrent in the state folder ("" for a magnet link).</summary>
    public string MetainfoFile { get; init; } = "";
    /// <summary>Stopped by the user (or by a seed limit): stays stopped across restarts.</summary>
    public bool Paused { get; set; }
    /// <summary>Stopped because its seed ratio or idle limit was reached (Transmission's isFinished).</summary>
    public bool Finished { get; set; }
    /// <summary>Started with torrent-start-now: runs whatever the queue says.</summary>
    public bool StartNow { get; set; }
    /// <summary>Started by the user after an error: the queue may run it again.</summary>
    public bool Retry { get; set; }
    /// <summary>Waiting for a queue slot (Transmission's download-wait and seed-wait).</summary>
    public bool Queued { get; set; }
    /// <summary>Running, but no data moved for queue-stalled-minutes: it holds no queue slot.</summary>
    public bool Stalled { get; set; }
    /// <summary>Every wanted piece was there when last seen.</summary>
    public bool Done { get; set; }

    public SeedLimitMode SeedRatioMode { get; set; }
    public double SeedRatioLimit { get; set; } = 2.0;
    public SeedLimitMode SeedIdleMode { get; set; }
    /// <summary>Minutes.</summary>
    public int SeedIdleLimit { get; set; } = 30;

    /// <summary>Bytes moved before this daemon's run (the engine counts this run's).</summary>
    public long UploadedBefore { get; set; }
    public long DownloadedBefore { get; set; }
    /// <summary>All bytes moved, given this run's <paramref name="status"/>.</summary>
    public long UploadedEver(TorrentStatus status) => UploadedBefore + status.Uploaded;
    public long DownloadedEver(TorrentStatus status) => DownloadedBefore + status.Downloaded;
    /// <summary>Bytes that failed their hash check before this daemon's run.</summary>
    public long CorruptBefore { get; set; }
    public long CorruptEver(TorrentStatus status) => CorruptBefore + status.CorruptBytes;

    /// <summary>When it last started, when it completed, and when the user last changed it (unix seconds; 0: never).</summary>
    public long StartDate { get; set; }
    public long DoneDate { get; set; }
    public long EditDate { get; set; }
    /// <summary>How long it has run downloading and seeding, over all its runs.</summary>
    public TimeSpan TimeDownloading { get; set; }
    public TimeSpan TimeSeeding { get; set; }

    /// <summary>When data last moved for it (unix seconds, Transmission's activityDate), and the byte count then.</summary>
    public DateTimeOffset LastActivity { get; set; }
    internal long LastBytes { get; set; } = -1;

    /// <summary>Running in the engine now (not stopped, paused or failed).</summary>
    public bool Running => Session.State is TorrentState.AwaitingMetadata or TorrentState.Checking or TorrentState.Downloading or TorrentState.Seeding;
    /// <summary>Its own limits in kB/s (1000 bytes) and whether each is on, as torrent-set gives them.</summary>
    public int DownloadLimit { get; set; } = 100;
    public bool DownloadLimited { get; set; }
    public int UploadLimit { get; set; } = 100;
    public bool UploadLimited { get; set; }

    /// <summary>Files and folders renamed (torrent-rename-path), in order, to apply again after a restart.</summary>
    public List<(string Path, string Name)> Renames { get; } = [];

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

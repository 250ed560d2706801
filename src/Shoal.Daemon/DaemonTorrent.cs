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
    public string HashString => Session.InfoHash.ToHex();
}

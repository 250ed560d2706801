namespace Shoal.Discovery;

/// <summary>
/// A way of finding peers for one torrent (trackers, the DHT, local discovery, or one of yours):
/// it runs while the torrent runs and hands addresses to its <see cref="IPeerSourceHost"/>. The
/// engine owns the task <see cref="RunAsync"/> returns: an exception other than the
/// cancellation fails the torrent with it, so a source handles what it expects (a server that
/// does not answer) itself, reporting it through <see cref="IPeerSourceHost.ReportSourceError"/>.
/// </summary>
public interface IPeerSource
{
    /// <summary>A short name for logs and the status ("tracker", "dht", "lsd").</summary>
    string Name { get; }
    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled, then says goodbye briefly (a tracker 'stopped').</summary>
    Task RunAsync(CancellationToken cancellationToken);
    /// <summary>Something changed (the download completed, the network changed): announce soon.</summary>
    void Nudge();
    /// <summary>The machine's addresses changed: announce now, on the new network (a nudge unless the source knows better).</summary>
    void NetworkChanged() => Nudge();
}

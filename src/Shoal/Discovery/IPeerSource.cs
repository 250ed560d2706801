namespace Shoal.Discovery;

/// <summary>
/// A way of finding peers for one torrent (trackers today; DHT, PEX and LSD later): it runs
/// while the torrent runs and hands addresses to the host.
/// </summary>
internal interface IPeerSource
{
    string Name { get; }
    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled, then says goodbye briefly (a tracker 'stopped').</summary>
    Task RunAsync(CancellationToken cancellationToken);
    /// <summary>Something changed (the download completed, the network changed): announce soon.</summary>
    void Nudge();
    /// <summary>The machine's addresses changed: announce now, on the new network (a nudge unless the source knows better).</summary>
    void NetworkChanged() => Nudge();
}

using Shoal.Peers;
using Shoal.Trackers;

namespace Shoal.Discovery;

/// <summary>
/// Announces one torrent to its trackers (BEP 12 tiers): 'started' first, 'completed' once the
/// download finishes, then at the tracker's interval (bounded below by its min interval and
/// above by <see cref="TorrentOptions.MaxAnnounceInterval"/>), backing off after failures, and a
/// brief 'stopped' when the torrent stops. Every wait runs on the client's clock. When the
/// host's tracker list changes (the user added or removed one) the next announce uses the new
/// list, built by <paramref name="rebuild"/>; a torrent without trackers waits for one.
/// </summary>
internal sealed class TrackerSource(IEngineSourceHost host, TrackerTiers tiers, TimeProvider time, byte[] peerId, Func<int> port, TimeSpan? maxInterval, uint key,
    Func<IReadOnlyList<IReadOnlyList<string>>, TrackerTiers>? rebuild = null)
    : IPeerSource
{
    private IReadOnlyList<IReadOnlyList<string>> _builtFrom = host.Trackers;
    /// <summary>How long a stop waits for the tracker's answer to 'stopped'.</summary>
    public static readonly TimeSpan StopDeadline = TimeSpan.FromSeconds(3);
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The registration: one tracker source per torrent that has trackers and does not turn them off.</summary>
    public static IPeerSource? Create(IPeerSourceHost host, ShoalClient client, TorrentOptions options)
    {
        if (options.DisableTrackers || host is not IEngineSourceHost engine)
            return null;
        TrackerTiers Build(IReadOnlyList<IReadOnlyList<string>> trackers) =>
            TrackerTiers.Create(trackers, client.TrackerHttp, client.Time, client.Options.UdpTrackerTimeout, new Random(client.NextSeed()));
        return new TrackerSource(engine, Build(host.Trackers), client.Time, client.PeerIdBytes, () => client.ListenPort, options.MaxAnnounceInterval,
            (uint)client.NextSeed(), Build);
    }

    public string Name => "tracker";

    public void Nudge() => Volatile.Read(ref _wake).TrySetResult();

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var trackerEvent = TrackerEvent.Started;
        bool announced = false;
        bool sentCompleted = host.GetAnnounceStats().Complete; // already complete at start: no 'completed'
        int failures = 0;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                if (rebuild is not null && !ReferenceEquals(host.Trackers, _builtFrom))
                {
                    _builtFrom = host.Trackers;
                    tiers = rebuild(_builtFrom);
                }
                if (tiers.IsEmpty)
                {
                    host.ReportSourceError(Name, null);
                    await WaitAsync(TimeSpan.FromMinutes(30), cancellationToken).ConfigureAwait(false);
                    continue;
                }
                var stats = host.GetAnnounceStats();
                if (!sentCompleted && stats.Complete)
                {
                    trackerEvent = announced ? TrackerEvent.Completed : trackerEvent;
                    sentCompleted = true;
                }
                TimeSpan wait;
                try
                {
                    var (_, response) = await tiers.AnnounceAsync(Request(trackerEvent, stats), cancellationToken, host.TrackerLog, time).ConfigureAwait(false);
                    announced = true;
                    failures = 0;
                    trackerEvent = TrackerEvent.None;
                    host.ReportSourceError(Name, response.Warning);
                    host.AddPeers(response.Peers, PeerSources.Tracker);
                    wait = NextWait(response);
                }
                catch (TrackerException e)
                {
                    host.ReportSourceError(Name, e.Message);
                    failures++;
                    wait = TimeSpan.FromSeconds(Math.Min(1800, 15 << Math.Min(failures, 7)));
                }
                if (maxInterval is { } max && wait > max)
                    wait = max;
                host.TrackerLog.Scheduled(time.GetUtcNow() + wait);
                await WaitAsync(wait, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        host.TrackerLog.Scheduled(null);
        if (announced)
            await SayGoodbyeAsync().ConfigureAwait(false);
    }

    /// <summary>Waits for <paramref name="wait"/> or a nudge, whichever comes first.</summary>
    private async Task WaitAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        try
        {
            await Volatile.Read(ref _wake).Task.WaitAsync(wait, time, cancellationToken).ConfigureAwait(false);
            // Nudged: a nudge that comes during the next announce wakes the wait after it.
            Volatile.Write(ref _wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }
        catch (TimeoutException)
        {
        }
    }

    /// <summary>The tracker's interval (30 minutes when it gives none that makes sense), never under its min interval.</summary>
    public static TimeSpan NextWait(AnnounceResponse response)
    {
        var wait = response.Interval < TimeSpan.FromSeconds(1) ? TimeSpan.FromMinutes(30) : response.Interval;
        if (response.MinInterval is { } min && wait < min)
            wait = min;
        return wait;
    }

    /// <summary>Tells the tracker we left, briefly: a dead tracker must not hold up a stop.</summary>
    private async Task SayGoodbyeAsync()
    {
        using var deadline = new CancellationTokenSource(StopDeadline, time);
        try
        {
            await tiers.AnnounceAsync(Request(TrackerEvent.Stopped, host.GetAnnounceStats()), deadline.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TrackerException or OperationCanceledException)
        {
        }
    }

    private AnnounceRequest Request(TrackerEvent trackerEvent, AnnounceStats stats) =>
        new(host.InfoHashes.Primary.Span.ToArray(), peerId, port(), stats.Uploaded, stats.Downloaded, stats.Left,
            trackerEvent, trackerEvent == TrackerEvent.Stopped ? 0 : 200, key);
}

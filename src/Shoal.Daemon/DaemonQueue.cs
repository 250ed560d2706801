using Microsoft.Extensions.Logging;

namespace Shoal.Daemon;

/// <summary>
/// The one place that starts and pauses the daemon's torrents on its own, once a second and
/// after every RPC change: the weekly turtle schedule, seed ratio and idle limits, then the
/// download and seed queues (<see cref="QueuePlanner"/>). A torrent stopped by the user is
/// paused by the RPC call itself; this only decides what runs among the rest.
/// </summary>
public sealed class DaemonQueue(TorrentBook book, DaemonSettings settings, ShoalClient client, TimeProvider time, ILogger logger) : IDisposable
{
    private static readonly TimeSpan SaveEvery = TimeSpan.FromMinutes(1);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool? _inTurtleWindow;
    private DateTimeOffset _saved;
    private DateTimeOffset? _lastTick;

    public void Dispose() => _gate.Dispose();

    /// <summary>Runs <see cref="UpdateAsync"/> every second until <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        try
        {
            do
                await UpdateAsync().ConfigureAwait(false);
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Runs one change of the daemon's torrents (an RPC call, a watched file) with nothing else
    /// changing them meanwhile: RPC handlers, the watch folder and this queue's tick take turns.
    /// </summary>
    public async Task<T> ChangeAsync<T>(Func<Task<T>> change)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            return await change().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task UpdateAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            await UpdateHeldAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The queue's update, inside a change (<see cref="ChangeAsync"/>) that already has its turn.</summary>
    internal async Task UpdateHeldAsync()
    {
        {
            var now = time.GetUtcNow();
            ApplySchedule(now);
            var all = book.All;
            bool changed = false;
            foreach (var t in all)
                changed |= Observe(t, now);
            _lastTick = now;
            var limits = settings.Queue;
            foreach (var t in all)
                t.Stalled = t.Running && limits.StalledAfter is { } stall && now - t.LastActivity >= stall;
            var entries = all.Select(t => new QueueEntry(t.Id, Wanted(t), t.StartNow, t.Done, t.Running, t.Stalled)).ToList();
            var runnable = QueuePlanner.Runnable(entries, limits);
            foreach (var t in all)
            {
                bool run = runnable.Contains(t.Id);
                t.Queued = Wanted(t) && !run;
                if (run && !t.Running)
                {
                    t.Retry = false;
                    t.LastActivity = now; // a start is activity: it is not stalled before it had a chance
                    t.StartDate = now.ToUnixTimeSeconds();
                    await t.Session.StartAsync().ConfigureAwait(false);
                }
                else if (!run && t.Running)
                {
                    await t.Session.PauseAsync().ConfigureAwait(false);
                }
            }
            if (changed || now - _saved >= SaveEvery)
            {
                book.Save(); // also keeps the byte counters and activity dates across a kill
                _saved = now;
            }
        }
    }

    /// <summary>Not stopped by the user or a seed limit, and not failed unless started again since.</summary>
    private static bool Wanted(DaemonTorrent t) => !t.Paused && (t.Session.State != TorrentState.Error || t.Retry);

    /// <summary>Notes its traffic and completion, and stops it when a seed limit is reached; true when something worth saving changed.</summary>
    private bool Observe(DaemonTorrent t, DateTimeOffset now)
    {
        var status = t.Session.GetStatus();
        long bytes = status.Uploaded + status.Downloaded;
        if (bytes != t.LastBytes)
        {
            t.LastBytes = bytes;
            t.LastActivity = now;
        }
        bool done = status.State == TorrentState.Seeding || (t.Session.Torrent is not null && status.WantedBytes > 0 && status.VerifiedBytes >= status.WantedBytes);
        bool changed = false;
        if (t.Running && t.Session.State != TorrentState.Checking && done != t.Done)
        {
            t.Done = done;
            if (done)
                t.DoneDate = now.ToUnixTimeSeconds();
            changed = true;
        }
        if (_lastTick is { } last && now > last)
        {
            if (status.State == TorrentState.Downloading)
                t.TimeDownloading += now - last;
            else if (status.State == TorrentState.Seeding)
                t.TimeSeeding += now - last;
        }
        if (t.Paused || status.State != TorrentState.Seeding)
            return changed;
        var ratio = SeedLimits.Ratio(t.SeedRatioMode, t.SeedRatioLimit, settings.RatioLimitEnabled, settings.RatioLimit);
        var idle = SeedLimits.Idle(t.SeedIdleMode, t.SeedIdleLimit, settings.IdleSeedingLimitEnabled, settings.IdleSeedingLimit);
        string? reason = ratio is { } r && SeedLimits.RatioReached(t.UploadedEver(status), t.DownloadedEver(status), status.WantedBytes, r) ? $"ratio {r:0.##} reached"
            : idle is { } i && now - t.LastActivity >= i ? $"idle for {i.TotalMinutes:0} minutes"
            : null;
        if (reason is null)
            return changed;
        t.Paused = true;
        t.Finished = true;
        t.StartNow = false;
        DaemonLog.SeedLimitReached(logger, t.Session.Name, reason);
        return true; // paused below: no longer wanted
    }

    /// <summary>Turns the alternative limits on when the weekly window opens and off when it closes (a change by hand lasts until the next edge).</summary>
    private void ApplySchedule(DateTimeOffset now)
    {
        if (!settings.AltSpeedTimeEnabled)
        {
            _inTurtleWindow = null;
            return;
        }
        var local = TimeZoneInfo.ConvertTime(now, time.LocalTimeZone).DateTime;
        bool inWindow = TurtleSchedule.InWindow(local, settings.AltSpeedTimeBegin, settings.AltSpeedTimeEnd, settings.AltSpeedTimeDay);
        if (_inTurtleWindow == inWindow)
            return;
        _inTurtleWindow = inWindow;
        if (settings.AltSpeedEnabled == inWindow)
            return;
        settings.AltSpeedEnabled = inWindow;
        (client.DownloadLimit.Rate, client.UploadLimit.Rate) = settings.EffectiveLimits();
        settings.Save();
        DaemonLog.TurtleScheduled(logger, inWindow);
    }
}

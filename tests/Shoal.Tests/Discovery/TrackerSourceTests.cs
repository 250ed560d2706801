using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Time.Testing;
using Shoal.Discovery;
using Shoal.Metainfo;
using Shoal.Peers;
using Shoal.Tests.Engine;
using Shoal.Trackers;

namespace Shoal.Tests.Discovery;

/// <summary>The announce schedule, on a fake clock: no test here waits for real time to pass.</summary>
public class TrackerSourceTests
{
    private sealed class Tracker(string url = "http://tracker.invalid/announce") : ITrackerClient
    {
        public ConcurrentQueue<TrackerEvent> Events { get; } = new();
        public volatile bool Fail;
        public Uri Uri { get; } = new(url);
        public Task<AnnounceResponse> AnnounceAsync(AnnounceRequest request, CancellationToken cancellationToken)
        {
            Events.Enqueue(request.Event);
            if (Fail)
                throw new TrackerException("tracker says no");
            return Task.FromResult(new AnnounceResponse(TimeSpan.FromSeconds(100), TimeSpan.FromSeconds(50),
                [new IPEndPoint(IPAddress.Parse("10.0.0.7"), 6881)], 1, 1, null, null));
        }
        public Task<ScrapeResult?> ScrapeAsync(byte[] infoHash, CancellationToken cancellationToken) => Task.FromResult<ScrapeResult?>(null);
    }

    private readonly CountingTime _time = new();
    private readonly FakeSourceHost _host = new();
    private readonly Tracker _tracker = new();

    private TrackerSource Source(TimeSpan? maxInterval = null) =>
        new(_host, new TrackerTiers([[_tracker]], new Random(1)), _time, new byte[20], () => 6881, maxInterval, 7);

    /// <summary>Waits for announce number <paramref name="count"/> and for the source to wait again after it.</summary>
    private async Task AnnouncesAsync(int count)
    {
        await EngineHarness.WaitUntilAsync(() => _tracker.Events.Count >= count, 10, $"announce #{count}");
        await EngineHarness.WaitUntilAsync(() => _time.Timers >= count, 10, $"the wait after announce #{count}");
    }

    [Fact]
    public async Task Announces_started_then_at_the_tracker_interval_then_completed_and_stopped_at_the_end()
    {
        using var stop = new CancellationTokenSource();
        var run = Source().RunAsync(stop.Token);
        await AnnouncesAsync(1);
        Assert.Equal(TrackerEvent.Started, _tracker.Events.Single());
        await EngineHarness.WaitUntilAsync(() => !_host.Peers.IsEmpty, 10, "the tracker's peers");

        _time.Advance(TimeSpan.FromSeconds(99));
        Assert.Single(_tracker.Events); // not before the interval
        _time.Advance(TimeSpan.FromSeconds(1));
        await AnnouncesAsync(2);
        Assert.Equal(TrackerEvent.None, _tracker.Events.Last());

        _host.Complete = true; // finished between announces: the next regular one says so
        _time.Advance(TimeSpan.FromSeconds(100));
        await AnnouncesAsync(3);
        Assert.Equal(TrackerEvent.Completed, _tracker.Events.Last());
        await stop.CancelAsync();
        await run;
        Assert.Equal(TrackerEvent.Stopped, _tracker.Events.Last());
    }

    [Fact]
    public async Task A_changed_tracker_list_is_announced_to_at_the_next_nudge_and_each_outcome_is_logged()
    {
        var other = new Tracker("http://other.invalid/announce");
        var byUrl = new Dictionary<string, ITrackerClient> { [_tracker.Uri.OriginalString] = _tracker, [other.Uri.OriginalString] = other };
        var source = new TrackerSource(_host, new TrackerTiers([[_tracker]], new Random(1)), _time, new byte[20], () => 6881, null, 7,
            list => new TrackerTiers(list.Select(tier => tier.Select(url => byUrl[url])), new Random(1)));
        using var stop = new CancellationTokenSource();
        _tracker.Fail = true;
        var run = source.RunAsync(stop.Token);
        await AnnouncesAsync(1);
        var failed = _host.TrackerLog.Snapshot(_host.Trackers).Single();
        Assert.False(failed.LastAnnounceSucceeded);
        Assert.Equal("tracker says no", failed.LastAnnounceResult);
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromSeconds(30), failed.NextAnnounce); // the first back-off

        _host.Trackers = [[_tracker.Uri.OriginalString], [other.Uri.OriginalString]];
        source.Nudge();
        await EngineHarness.WaitUntilAsync(() => !other.Events.IsEmpty, 10, "an announce to the added tracker");
        await EngineHarness.WaitUntilAsync(() => _host.TrackerLog.Snapshot(_host.Trackers)[1].LastAnnounceSucceeded, 10, "its success logged");
        var both = _host.TrackerLog.Snapshot(_host.Trackers);
        Assert.Equal([0, 1], both.Select(t => t.Tier));
        Assert.Equal([0, 1], both.Select(t => t.Id));
        Assert.Equal(1, both[1].LastAnnouncePeerCount);
        Assert.Equal(TrackerEvent.Started, other.Events.Single()); // the first tier failed again, so 'started' is still owed
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task A_nudge_after_completion_announces_completed_at_once()
    {
        using var stop = new CancellationTokenSource();
        var source = Source();
        var run = source.RunAsync(stop.Token);
        await AnnouncesAsync(1);
        _host.Complete = true;
        source.Nudge();
        await AnnouncesAsync(2);
        Assert.Equal(TrackerEvent.Completed, _tracker.Events.Last());
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task Failures_back_off_and_the_max_interval_caps_the_wait()
    {
        using var stop = new CancellationTokenSource();
        _tracker.Fail = true;
        var run = Source(maxInterval: TimeSpan.FromSeconds(20)).RunAsync(stop.Token);
        await AnnouncesAsync(1);
        Assert.EndsWith("tracker says no", _host.LastError, StringComparison.Ordinal);
        // The first back-off is 30 s, but the cap says 20 s.
        _time.Advance(TimeSpan.FromSeconds(19));
        Assert.Single(_tracker.Events);
        _time.Advance(TimeSpan.FromSeconds(1));
        await AnnouncesAsync(2);
        Assert.Equal(TrackerEvent.Started, _tracker.Events.Last()); // still never answered
        _tracker.Fail = false;
        _time.Advance(TimeSpan.FromSeconds(20));
        await AnnouncesAsync(3);
        await EngineHarness.WaitUntilAsync(() => _host.LastError is null, 10, "the error to clear");
        await stop.CancelAsync();
        await run;
    }
}

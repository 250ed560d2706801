using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Shoal.Daemon;
using Shoal.Metainfo;
using Shoal.Tests.Engine;

namespace Shoal.Tests.Daemon;

/// <summary>The daemon's queue, seed limits and turtle schedule on a fake clock, with real torrents in a real engine.</summary>
public sealed class DaemonQueueTests : IAsyncDisposable
{
    private static readonly DateTimeOffset MondayMorning = new(2026, 11, 30, 8, 0, 0, TimeSpan.Zero);
    private readonly EngineHarness _harness = new();
    private readonly FakeTimeProvider _time = new(MondayMorning);
    private DaemonSettings _settings = null!;
    private TorrentBook _book = null!;
    private DaemonQueue _queue = null!;
    private ShoalClient _client = null!;

    public async ValueTask DisposeAsync()
    {
        _queue?.Dispose();
        await _harness.DisposeAsync();
    }

    private async Task StartAsync()
    {
        string state = _harness.NewDir("state");
        Directory.CreateDirectory(state);
        _client = await _harness.ClientAsync(o => o with { Time = _time });
        _settings = DaemonSettings.Load(Path.Combine(state, "settings.json"));
        _book = new TorrentBook(_client, state, _time, NullLogger.Instance);
        _queue = new DaemonQueue(_book, _settings, _client, _time, NullLogger.Instance);
    }

    private async Task<DaemonTorrent> AddAsync(Torrent torrent, string dir) =>
        (await _book.AddAsync(TorrentWriter.Write(torrent), null, dir, paused: false)).Torrent;

    /// <summary>A torrent whose data is all there, started by the queue and seeding.</summary>
    private async Task<DaemonTorrent> SeedingAsync(Action<DaemonTorrent>? configure = null)
    {
        var (torrent, seedDir) = await _harness.CreateAsync("data", [("data", 100_000)]);
        var seed = await AddAsync(torrent, seedDir);
        configure?.Invoke(seed);
        await _queue.UpdateAsync();
        await EngineHarness.WaitUntilAsync(() => seed.Session.State == TorrentState.Seeding, 30, "seeding");
        return seed;
    }

    [Fact]
    public async Task With_a_download_queue_of_one_the_second_torrent_waits_until_the_first_has_stalled()
    {
        await StartAsync();
        _settings.DownloadQueueSize = 1;
        _settings.QueueStalledMinutes = 30;
        var (a, _) = await _harness.CreateAsync("a", [("a", 100_000)]);
        var (b, _) = await _harness.CreateAsync("b", [("b", 100_000)], seed: 2);
        var first = await AddAsync(a, _harness.NewDir());
        var second = await AddAsync(b, _harness.NewDir());

        await _queue.UpdateAsync();
        Assert.True(first.Running);
        Assert.False(second.Running);
        Assert.True(second.Queued);
        await EngineHarness.WaitUntilAsync(() => first.Session.State == TorrentState.Downloading, 30, "the first downloading (from nobody)");

        _time.Advance(TimeSpan.FromMinutes(29));
        await _queue.UpdateAsync();
        Assert.False(second.Running);

        _time.Advance(TimeSpan.FromMinutes(1)); // 30 minutes without a byte: stalled
        await _queue.UpdateAsync();
        Assert.True(first.Stalled);
        Assert.True(first.Running, "a stalled torrent is not stopped, it only gives up its slot");
        Assert.True(second.Running);
        Assert.False(second.Queued);
    }

    [Fact]
    public async Task A_seed_stops_as_finished_after_its_idle_limit_and_the_global_ratio_of_zero_stops_one_at_once()
    {
        await StartAsync();
        var seed = await SeedingAsync(s =>
        {
            s.SeedIdleMode = SeedLimitMode.Single;
            s.SeedIdleLimit = 10;
        });

        _time.Advance(TimeSpan.FromMinutes(9));
        await _queue.UpdateAsync();
        Assert.True(seed.Running);
        _time.Advance(TimeSpan.FromMinutes(1));
        await _queue.UpdateAsync();
        Assert.True(seed.Finished);
        Assert.True(seed.Paused);
        Assert.False(seed.Running);

        _settings.RatioLimitEnabled = true;
        _settings.RatioLimit = 0;
        seed.SeedIdleMode = SeedLimitMode.Global;
        _book.Start(seed, now: false); // started again by the user: the global ratio of 0 is already reached
        await _queue.UpdateAsync();
        await EngineHarness.WaitUntilAsync(() => seed.Session.State == TorrentState.Seeding, 30, "seeding again");
        await _queue.UpdateAsync();
        Assert.True(seed.Finished);
        Assert.False(seed.Running);
    }

    [Fact]
    public async Task Time_seeding_adds_up_when_the_queue_runs_more_often_than_once_a_second()
    {
        await StartAsync();
        var seed = await SeedingAsync();
        await _queue.UpdateAsync();
        var before = seed.TimeSeeding;
        for (int i = 0; i < 10; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(0.4)); // RPC calls run the queue between its ticks
            await _queue.UpdateAsync();
        }
        Assert.Equal(TimeSpan.FromSeconds(4), seed.TimeSeeding - before);
    }

    [Fact]
    public async Task The_weekly_schedule_turns_the_turtle_limits_on_and_off_at_its_edges_and_a_change_by_hand_lasts_until_the_next()
    {
        await StartAsync();
        _settings.AltSpeedTimeEnabled = true;
        _settings.AltSpeedTimeBegin = 9 * 60;
        _settings.AltSpeedTimeEnd = 17 * 60;
        _settings.AltSpeedTimeDay = 62; // weekdays
        _settings.AltSpeedDown = 50;

        await _queue.UpdateAsync(); // 08:00 Monday
        Assert.False(_settings.AltSpeedEnabled);
        _time.Advance(TimeSpan.FromHours(1));
        await _queue.UpdateAsync(); // 09:00
        Assert.True(_settings.AltSpeedEnabled);
        Assert.Equal(50_000, _client.DownloadLimit.Rate);

        _settings.AltSpeedEnabled = false; // by hand, at 10:00
        _time.Advance(TimeSpan.FromHours(1));
        await _queue.UpdateAsync();
        Assert.False(_settings.AltSpeedEnabled);

        _time.Advance(TimeSpan.FromHours(7));
        await _queue.UpdateAsync(); // 17:00: the window closes
        Assert.False(_settings.AltSpeedEnabled);
        _time.Advance(TimeSpan.FromHours(16));
        await _queue.UpdateAsync(); // 09:00 Tuesday
        Assert.True(_settings.AltSpeedEnabled);
        _time.Advance(TimeSpan.FromHours(8));
        await _queue.UpdateAsync(); // 17:00 Tuesday
        Assert.False(_settings.AltSpeedEnabled);
        Assert.Equal(0, _client.DownloadLimit.Rate);
    }
}

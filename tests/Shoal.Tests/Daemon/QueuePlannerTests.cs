using Shoal.Daemon;

namespace Shoal.Tests.Daemon;

public class QueuePlannerTests
{
    private static readonly QueueLimits OneDownloadTwoSeeds = new(1, 2, TimeSpan.FromMinutes(30));

    private static QueueEntry Waiting(int id, bool done = false) => new(id, true, false, done, false, false);
    private static QueueEntry Running(int id, bool done = false, bool stalled = false) => new(id, true, false, done, true, stalled);

    [Fact]
    public void Free_slots_go_to_waiting_torrents_in_queue_order_and_downloads_and_seeds_count_apart()
    {
        var run = QueuePlanner.Runnable([Waiting(1), Waiting(2), Waiting(3, done: true), Waiting(4, done: true), Waiting(5, done: true)], OneDownloadTwoSeeds);
        Assert.Equal([1, 3, 4], run.Sorted());
    }

    [Fact]
    public void A_running_torrent_keeps_running_even_when_one_before_it_in_the_queue_waits()
    {
        var run = QueuePlanner.Runnable([Waiting(1), Running(2)], OneDownloadTwoSeeds);
        Assert.Equal([2], run.Sorted());
    }

    [Fact]
    public void A_stalled_torrent_keeps_running_but_gives_its_slot_to_the_next_in_line()
    {
        var run = QueuePlanner.Runnable([Running(1, stalled: true), Waiting(2), Waiting(3)], OneDownloadTwoSeeds);
        Assert.Equal([1, 2], run.Sorted());
    }

    [Fact]
    public void Start_now_torrents_run_outside_the_queue_and_stopped_ones_never_run()
    {
        var run = QueuePlanner.Runnable(
            [Running(1), new QueueEntry(2, true, true, false, false, false), new QueueEntry(3, false, false, false, true, false), Waiting(4)],
            OneDownloadTwoSeeds);
        Assert.Equal([1, 2], run.Sorted());
    }

    [Fact]
    public void Without_limits_every_wanted_torrent_runs()
    {
        var run = QueuePlanner.Runnable([Waiting(1), Waiting(2), Waiting(3, done: true)], new QueueLimits(null, null, null));
        Assert.Equal([1, 2, 3], run.Sorted());
    }
}

public class SeedLimitsTests
{
    [Theory]
    [InlineData(199, 100, 1000, 2.0, false)]
    [InlineData(200, 100, 1000, 2.0, true)]
    [InlineData(1999, 0, 1000, 2.0, false)] // complete from the start: measured against its size
    [InlineData(2000, 0, 1000, 2.0, true)]
    [InlineData(0, 0, 1000, 0.0, true)] // ratio 0: stop as soon as it is complete
    public void The_ratio_counts_against_the_download_or_the_size_when_nothing_was_downloaded(long up, long down, long size, double ratio, bool reached) =>
        Assert.Equal(reached, SeedLimits.RatioReached(up, down, size, ratio));

    [Fact]
    public void A_torrent_follows_the_global_limit_its_own_or_none()
    {
        Assert.Equal(1.5, SeedLimits.Ratio(SeedLimitMode.Global, 3, true, 1.5));
        Assert.Null(SeedLimits.Ratio(SeedLimitMode.Global, 3, false, 1.5));
        Assert.Equal(3, SeedLimits.Ratio(SeedLimitMode.Single, 3, false, 1.5));
        Assert.Null(SeedLimits.Ratio(SeedLimitMode.Unlimited, 3, true, 1.5));
        Assert.Equal(TimeSpan.FromMinutes(10), SeedLimits.Idle(SeedLimitMode.Single, 10, false, 30));
        Assert.Null(SeedLimits.Idle(SeedLimitMode.Unlimited, 10, true, 30));
    }
}

public class TurtleScheduleTests
{
    private const int Weekdays = 62; // Monday to Friday
    private static readonly DateTime Monday = new(2026, 11, 30);

    [Theory]
    [InlineData(0, 8, 59, false)]
    [InlineData(0, 9, 0, true)]
    [InlineData(0, 16, 59, true)]
    [InlineData(0, 17, 0, false)]
    [InlineData(5, 10, 0, false)] // Saturday
    [InlineData(6, 10, 0, false)] // Sunday
    [InlineData(4, 10, 0, true)] // Friday
    public void Business_hours_on_weekdays(int daysAfterMonday, int hour, int minute, bool inWindow) =>
        Assert.Equal(inWindow, TurtleSchedule.InWindow(Monday.AddDays(daysAfterMonday).AddHours(hour).AddMinutes(minute), 9 * 60, 17 * 60, Weekdays));

    [Theory]
    [InlineData(4, 23, 0, true)] // Friday night
    [InlineData(5, 5, 59, true)] // on into Saturday morning
    [InlineData(5, 6, 0, false)]
    [InlineData(5, 23, 0, false)] // Saturday night is not a chosen day
    [InlineData(0, 3, 0, false)] // Monday early: Sunday night was not chosen
    [InlineData(1, 3, 0, true)] // Tuesday early: Monday night was
    public void A_window_past_midnight_belongs_to_the_day_it_starts(int daysAfterMonday, int hour, int minute, bool inWindow) =>
        Assert.Equal(inWindow, TurtleSchedule.InWindow(Monday.AddDays(daysAfterMonday).AddHours(hour).AddMinutes(minute), 22 * 60, 6 * 60, Weekdays));
}

internal static class RunExtensions
{
    public static int[] Sorted(this HashSet<int> run) => [.. run.Order()];
}

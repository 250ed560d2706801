using Microsoft.Extensions.Time.Testing;
using Shoal.Net;

namespace Shoal.Tests.Net;

public class NetworkWatcherTests
{
    [Fact]
    public void A_burst_of_address_changes_is_reported_once_after_it_settles()
    {
        var time = new FakeTimeProvider();
        int reports = 0;
        using var watcher = new NetworkWatcher(time, () => Interlocked.Increment(ref reports));
        watcher.Signal();
        time.Advance(TimeSpan.FromSeconds(1));
        watcher.Signal(); // the same change, still settling
        time.Advance(TimeSpan.FromSeconds(1.5));
        Assert.Equal(0, reports);
        time.Advance(TimeSpan.FromSeconds(0.5));
        Assert.Equal(1, reports);

        watcher.Signal(); // a later change is a report of its own
        time.Advance(NetworkWatcher.Settle);
        Assert.Equal(2, reports);
    }

    [Fact]
    public void Nothing_is_reported_after_it_is_disposed()
    {
        var time = new FakeTimeProvider();
        int reports = 0;
        var watcher = new NetworkWatcher(time, () => reports++);
        watcher.Signal();
        watcher.Dispose();
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(0, reports);
    }
}

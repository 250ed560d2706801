using System.Net;
using Shoal.Tracker;

namespace Shoal.Tests.Tracker;

public class TrackerStateTests
{
    [Fact]
    public void Completed_counts_survive_a_restart_through_the_state_file()
    {
        string path = Path.Combine(TestData.TempDir(), "tracker.state");
        var key = InfoHashKey.From(Enumerable.Range(0, 20).Select(i => (byte)i).ToArray());
        var before = new SwarmRegistry();
        for (int i = 0; i < 3; i++)
            before.Announce(TrackerAnnounce.Of(key, IPAddress.Loopback, 7000 + i, 0, AnnounceEvent.Completed, 0));
        TrackerState.Save(path, before);

        var after = new SwarmRegistry();
        Assert.Equal(1, TrackerState.Load(path, after));
        Assert.Equal(new ScrapeCounts(0, 3, 0), after.Scrape(key)); // no peers yet, the count kept
        after.Announce(TrackerAnnounce.Of(key, IPAddress.Loopback, 9000, 0, AnnounceEvent.Completed, 0));
        Assert.Equal(new ScrapeCounts(1, 4, 0), after.Scrape(key));
    }

    [Fact]
    public void A_damaged_state_file_is_reported_not_trusted()
    {
        string dir = TestData.TempDir();
        string path = Path.Combine(dir, "bad.state");
        File.WriteAllText(path, "d8:torrentsd3:abcd9:completedi-1eeee");
        Assert.Throws<FormatException>(() => TrackerState.Load(path, new SwarmRegistry()));
        File.WriteAllText(path, "garbage");
        Assert.Throws<FormatException>(() => TrackerState.Load(path, new SwarmRegistry()));
        Assert.Equal(0, TrackerState.Load(Path.Combine(dir, "missing.state"), new SwarmRegistry()));
    }
}

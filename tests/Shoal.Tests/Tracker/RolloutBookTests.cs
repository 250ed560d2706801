using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Shoal.Peers;
using Shoal.Tracker;

namespace Shoal.Tests.Tracker;

/// <summary>The tracker's roll-out view: machines per torrent and site, by state, forgetting those that went quiet.</summary>
public class RolloutBookTests
{
    private static readonly InfoHashKey Update = InfoHashKey.From(Enumerable.Repeat((byte)9, 20).ToArray());

    [Fact]
    public void Machines_are_counted_per_site_as_seeding_downloading_or_stopped_and_forgotten_when_quiet()
    {
        var time = new FakeTimeProvider();
        var sites = SiteMap.Parse(["10.1.0.0/16 berlin", "10.2.0.0/16 lyon"]);
        var book = new RolloutBook(sites, time, TimeSpan.FromMinutes(45));
        void Announce(string ip, long left, AnnounceEvent e = AnnounceEvent.None) => book.Record(TrackerAnnounce.Of(Update, IPAddress.Parse(ip), 6881, left, e));
        Announce("10.1.0.1", 0);
        Announce("10.1.0.2", 1000);
        Announce("10.1.0.2", 0, AnnounceEvent.Completed); // the same machine, now done
        Announce("10.2.0.7", 5000);
        Announce("10.2.0.8", 5000);
        Announce("10.2.0.8", 5000, AnnounceEvent.Stopped);
        Announce("192.168.5.20", 5000); // no rule: its /24

        var torrent = Assert.Single(book.Snapshot());
        Assert.Equal(Convert.ToHexStringLower(Enumerable.Repeat((byte)9, 20).ToArray()), torrent.InfoHash);
        Assert.Equal([new RolloutCounts("192.168.5.0/24", 0, 1, 0), new RolloutCounts("berlin", 2, 0, 0), new RolloutCounts("lyon", 0, 1, 1)],
            torrent.Sites);
        Assert.Equal((2, 2, 1), (torrent.Seeding, torrent.Downloading, torrent.Stopped));

        // Berlin keeps announcing; the others go quiet: after the peer time-out only the stopped one is left of them.
        time.Advance(TimeSpan.FromMinutes(30));
        Announce("10.1.0.1", 0);
        Announce("10.1.0.2", 0);
        time.Advance(TimeSpan.FromMinutes(20));
        Assert.Equal([new RolloutCounts("berlin", 2, 0, 0), new RolloutCounts("lyon", 0, 0, 1)], Assert.Single(book.Snapshot()).Sites);
        time.Advance(TimeSpan.FromDays(1));
        Assert.Empty(book.Snapshot());
    }

    [Fact]
    public void The_json_and_the_metrics_carry_each_sites_counts()
    {
        var book = new RolloutBook(SiteMap.Parse(["10.1.0.0/16 berlin"]), new FakeTimeProvider(), TimeSpan.FromMinutes(45));
        book.Record(TrackerAnnounce.Of(Update, IPAddress.Parse("10.1.0.1"), 6881, 0));
        book.Record(TrackerAnnounce.Of(Update, IPAddress.Parse("2001:db8:1:2::5"), 6881, 10));
        var snapshot = book.Snapshot();
        using var json = JsonDocument.Parse(RolloutPage.Json(snapshot));
        var sites = json.RootElement.GetProperty("torrents")[0].GetProperty("sites");
        Assert.Equal("2001:db8:1:2::/64", sites[0].GetProperty("site").GetString());
        Assert.Equal(1, sites[0].GetProperty("downloading").GetInt32());
        Assert.Equal("berlin", sites[1].GetProperty("site").GetString());
        Assert.Equal(1, sites[1].GetProperty("seeding").GetInt32());
        string metrics = RolloutPage.Metrics(snapshot);
        Assert.Contains($"shoal_tracker_rollout_machines{{infohash=\"{snapshot[0].InfoHash}\",site=\"berlin\",state=\"seeding\"}} 1\n", metrics);
        Assert.Contains("<td>berlin</td><td class=\"n\">1</td>", System.Text.Encoding.UTF8.GetString(RolloutPage.Html(snapshot)));
    }
}

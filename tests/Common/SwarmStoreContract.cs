using System.Net;
using Shoal.Tracker;
using Xunit;

namespace Shoal.Tests.Common;

/// <summary>A clock the test moves: timestamps in ticks, and the wall clock (which the Redis store uses) moving with them.</summary>
public sealed class ManualClock : TimeProvider
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public long Now;
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;
    public override long GetTimestamp() => Now;
    public override DateTimeOffset GetUtcNow() => Start.AddTicks(Now);
}

/// <summary>
/// What every <see cref="ISwarmStore"/> must do, checked the same way for the in-process
/// registry (unit tests) and for Redis (interop tests, against a real redis-server).
/// </summary>
public static class SwarmStoreContract
{
    private static TrackerAnnounce From(string ip, int port, long left = 5) =>
        TrackerAnnounce.Of(InfoHashKey.From(new byte[20]), IPAddress.Parse(ip), port, left);

    /// <summary>Random announces, stops and expiry (the clock moved by <paramref name="clock"/>, peer timeout 10 minutes) against a plain model.</summary>
    public static void RandomAnnouncesAgreeWithAModel(ISwarmStore registry, ManualClock clock, int seed)
    {
        var random = new Random(seed);
        var keys = Enumerable.Range(0, 3).Select(i => InfoHashKey.From(Enumerable.Repeat((byte)i, 20).ToArray())).ToArray();
        // Model: per torrent, endpoint -> (seed, last seen).
        var model = keys.ToDictionary(k => k, _ => new Dictionary<PeerEndpoint, (bool Seed, long Seen)>());
        for (int step = 0; step < 4000; step++)
        {
            var key = keys[random.Next(keys.Length)];
            // A small address space so peers come back, move between seed and leech, and stop.
            var address = random.Next(4) == 0 ? IPAddress.Parse($"2001:db8::{random.Next(1, 5)}") : IPAddress.Parse($"127.0.{random.Next(3)}.{random.Next(1, 4)}");
            var peer = PeerEndpoint.From(address, 6000 + random.Next(8));
            int roll = random.Next(100);
            if (roll < 2)
            {
                clock.Now += TimeSpan.FromMinutes(4).Ticks;
                int expired = registry.Expire();
                int expected = 0;
                foreach (var swarm in model.Values)
                    expected += swarm.Keys.Where(p => TimeSpan.FromTicks(clock.Now - swarm[p].Seen) > TimeSpan.FromMinutes(10)).ToList().Count(swarm.Remove);
                Assert.Equal(expected, expired);
                continue;
            }
            bool isSeed = random.Next(3) == 0;
            var announceEvent = roll < 15 ? AnnounceEvent.Stopped : AnnounceEvent.None;
            int numWant = random.Next(0, 30);
            var result = registry.Announce(new TrackerAnnounce(key, default, peer, 0, 0, isSeed ? 0 : 10, announceEvent, numWant, true, false));
            var swarmModel = model[key];
            if (announceEvent == AnnounceEvent.Stopped)
            {
                swarmModel.Remove(peer);
                Assert.Empty(result.Peers);
            }
            else
            {
                swarmModel[peer] = (isSeed, clock.Now);
                var others = swarmModel.Where(p => p.Key != peer && !(isSeed && p.Value.Seed)).Select(p => p.Key).ToHashSet();
                var got = result.Peers.Select(p => p.Endpoint).ToList();
                Assert.Equal(got.Count, got.Distinct().Count());
                Assert.All(got, p => Assert.Contains(p, others));
                Assert.All(result.Peers, p => Assert.Equal(swarmModel[p.Endpoint].Seed, p.IsSeed));
                // Small swarms are sampled whole: every eligible peer up to numwant.
                Assert.Equal(Math.Min(numWant, others.Count), got.Count);
            }
            int seeders = swarmModel.Values.Count(v => v.Seed);
            Assert.Equal((seeders, swarmModel.Count - seeders), (result.Seeders, result.Leechers));
        }
        foreach (var key in keys)
        {
            int seeders = model[key].Values.Count(v => v.Seed);
            var counts = registry.Scrape(key);
            Assert.Equal((seeders, model[key].Count - seeders), (counts?.Seeders ?? 0, counts?.Leechers ?? 0));
        }
        Assert.Equal(model.Values.Sum(m => m.Count), registry.Totals().Peers);
    }


    /// <summary>Own site first: a swarm small enough to scan whole, and one of 600 peers that is sampled.</summary>
    public static void OwnSiteFirst(Func<SiteMap, ISwarmStore> create)
    {
        var sites = SiteMap.Parse([
            "# two offices and a WAN seed",
            "127.0.1.0/24  office-a",
            "127.0.2.0/23  office-b   # covers 127.0.2.x and 127.0.3.x",
            "::1/128 office-a",
        ]);
        var registry = create(sites);
        for (int i = 0; i < 30; i++)
            registry.Announce(From($"127.0.1.{i + 1}", 7000 + i));     // office A
        for (int i = 0; i < 30; i++)
            registry.Announce(From($"127.0.{2 + i % 2}.{i + 1}", 8000 + i)); // office B, two /24s
        registry.Announce(From("127.9.9.9", 9000, left: 0));            // elsewhere
        long officeB = sites.SiteOf(IPAddress.Parse("127.0.2.1"));

        var b = registry.Announce(From("127.0.3.200", 8100) with { NumWant = 40 });
        Assert.Equal(40, b.Peers.Count);
        Assert.All(b.Peers.Take(30), p => Assert.Equal(officeB, p.Site));
        Assert.All(b.Peers.Skip(30), p => Assert.NotEqual(officeB, p.Site));

        var a = registry.Announce(From("::1", 7100) with { NumWant = 5 });
        Assert.All(a.Peers, p => Assert.StartsWith("127.0.1.", p.Endpoint.ToIPAddress().ToString()));

        // 600 more peers elsewhere: office B's 31 must still come first in a sample of 50.
        for (int i = 0; i < 600; i++)
            registry.Announce(From($"127.8.{i / 200}.{i % 200 + 1}", 9100 + i) with { NumWant = 0 });
        var big = registry.Announce(From("127.0.2.250", 8200) with { NumWant = 50 });
        Assert.Equal(50, big.Peers.Count);
        Assert.Equal(31, big.Peers.Count(p => p.Site == officeB));
        Assert.All(big.Peers.Take(31), p => Assert.Equal(officeB, p.Site));
        Assert.Equal(big.Peers.Count, big.Peers.Select(p => p.Endpoint).Distinct().Count());
    }

    public static void SeedsGetNoSeedsAndNumwantIsHonoured(ISwarmStore registry)
    {
        var key = InfoHashKey.From(new byte[20]);
        TrackerAnnounce Announce(int port, long left, int numWant = 50, AnnounceEvent e = AnnounceEvent.None) =>
            TrackerAnnounce.Of(key, IPAddress.Loopback, port, left, e, numWant);
        for (int i = 0; i < 10; i++)
            registry.Announce(Announce(1000 + i, 0));
        for (int i = 0; i < 10; i++)
            registry.Announce(Announce(2000 + i, 5));
        var seedView = registry.Announce(Announce(1000, 0));
        Assert.All(seedView.Peers, p => Assert.False(p.IsSeed));
        Assert.Equal(10, seedView.Peers.Count);
        Assert.Equal(3, registry.Announce(Announce(2000, 5, numWant: 3)).Peers.Count);
        Assert.Equal(new ScrapeCounts(10, 0, 10), registry.Scrape(key));
        registry.Announce(Announce(2000, 0, e: AnnounceEvent.Completed));
        registry.Announce(Announce(1000, 0, e: AnnounceEvent.Stopped));
        Assert.Equal(new ScrapeCounts(10, 1, 9), registry.Scrape(key));
        Assert.Equal([(key, new ScrapeCounts(10, 1, 9))], registry.ScrapeAll(100));
    }

    /// <summary>The traffic an announce reports is counted as the growth since the peer's last announce (what private trackers add to a user's totals).</summary>
    public static void TrafficDeltas(ISwarmStore registry)
    {
        var first = From("127.0.0.5", 7000) with { Uploaded = 100, Downloaded = 1000 };
        var counts = registry.Announce(first);
        Assert.Equal((0L, 0L), (counts.UploadedDelta, counts.DownloadedDelta));
        counts = registry.Announce(first with { Uploaded = 250, Downloaded = 5000 });
        Assert.Equal((150L, 4000L), (counts.UploadedDelta, counts.DownloadedDelta));
        counts = registry.Announce(first with { Uploaded = 10, Downloaded = 10 }); // the client restarted
        Assert.Equal((0L, 0L), (counts.UploadedDelta, counts.DownloadedDelta));
        counts = registry.Announce(first with { Uploaded = 30, Downloaded = 10, Event = AnnounceEvent.Stopped });
        Assert.Equal((20L, 0L), (counts.UploadedDelta, counts.DownloadedDelta));
        Assert.Null(registry.Scrape(first.InfoHash));
    }
}

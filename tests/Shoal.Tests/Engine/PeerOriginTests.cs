using System.Net;
using Shoal.Tracker;

namespace Shoal.Tests.Engine;

/// <summary>Each connection says how it came about, and the peers of one run are remembered for the next.</summary>
public class PeerOriginTests
{
    [Fact]
    public async Task A_peer_from_the_tracker_counts_as_such_on_the_dialling_side_and_as_incoming_on_the_other()
    {
        await using var h = new EngineHarness();
        await using var tracker = new TrackerServer(new TrackerOptions { Bind = [IPAddress.Loopback], Port = 0, Interval = TimeSpan.FromMinutes(5), MinInterval = TimeSpan.FromSeconds(1) });
        await tracker.StartAsync();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 200_000)], trackers: [[$"http://127.0.0.1:{tracker.Port}/announce"]]);
        var seeder = await h.ClientAsync();
        var seed = seeder.Add(torrent, seedDir);
        await seed.StartAsync();
        await EngineHarness.WaitUntilAsync(() => tracker.Store.Totals().Seeders == 1, 30, "the seed's announce");
        var leecher = await h.ClientAsync();
        var leech = leecher.Add(torrent, h.NewDir());
        await leech.StartAsync();
        await EngineHarness.WaitCompleteAsync(leech);

        Assert.Equal([PeerOrigin.Tracker], leech.GetPeers().Select(p => p.Origin));
        Assert.Equal([PeerOrigin.Incoming], seed.GetPeers().Select(p => p.Origin));
    }

    [Fact]
    public async Task A_new_run_reaches_the_swarm_of_the_last_one_through_the_peer_cache_when_it_has_no_other_source()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 300_000)]);
        var seeder = await h.ClientAsync();
        await seeder.Add(torrent, seedDir).StartAsync();
        string resume = Path.Combine(h.Root, "resume-cached");

        // The first run knows the seed from the user.
        var first = await h.ClientAsync(o => o with { ResumeDirectory = resume });
        var leech = first.Add(torrent, h.NewDir(), new TorrentOptions { Peers = [EngineHarness.EndPoint(seeder)] });
        await leech.StartAsync();
        await EngineHarness.WaitUntilAsync(() => leech.GetPeers() is [{ Origin: PeerOrigin.User }], 20, "the user's peer");
        await EngineHarness.WaitCompleteAsync(leech);
        await first.DisposeAsync();
        Assert.Contains(Convert.ToHexStringLower(torrent.InfoHashes.Primary.Span) + ".peers", Directory.GetFiles(resume).Select(Path.GetFileName));

        // The next run (into another folder, so it has everything to fetch) is told of no peer at all: it finds the seed in the cache.
        var second = await h.ClientAsync(o => o with { ResumeDirectory = resume });
        var again = second.Add(torrent, h.NewDir());
        await again.StartAsync();
        await EngineHarness.WaitUntilAsync(() => again.GetPeers() is [{ Origin: PeerOrigin.Cache } only] && only.EndPoint.Equals(EngineHarness.EndPoint(seeder)),
            20, $"the cached seed ({string.Join(", ", again.GetPeers())})");
    }
}

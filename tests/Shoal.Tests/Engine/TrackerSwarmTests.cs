using System.Net;
using Shoal.Tests.Common;
using Shoal.Tracker;

namespace Shoal.Tests.Engine;

public class TrackerSwarmTests
{
    [Theory]
    [InlineData("http")]
    [InlineData("udp")]
    public async Task Shoal_clients_find_each_other_through_the_shoal_tracker(string scheme)
    {
        await using var h = new EngineHarness();
        int port = BackgroundProcess.FreePort();
        await using var tracker = new TrackerServer(new TrackerOptions { Bind = [IPAddress.Loopback], Port = port, Interval = TimeSpan.FromSeconds(2), MinInterval = TimeSpan.FromSeconds(1) });
        await tracker.StartAsync();
        string url = scheme == "http" ? $"http://127.0.0.1:{port}/announce" : $"udp://127.0.0.1:{port}/announce";
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 400_000)], trackers: [[url]]);
        var seeder = await h.ClientAsync();
        var seed = seeder.Add(torrent, seedDir);
        await seed.StartAsync();
        await EngineHarness.WaitUntilAsync(() => tracker.Registry.Totals().Seeders == 1, 30, "the seed's announce");
        var leecher = await h.ClientAsync();
        var leech = leecher.Add(torrent, h.NewDir()); // no direct peers: only the tracker
        await leech.StartAsync();
        await EngineHarness.WaitCompleteAsync(leech);
        EngineHarness.AssertSameFiles(torrent, seedDir, leech.SaveDirectory);
        // 'completed' reached the tracker: both are seeds now.
        await EngineHarness.WaitUntilAsync(() => tracker.Registry.Scrape(InfoHashKey.From(torrent.InfoHashes.V1!.Value.Span)) is { Seeders: 2, Completed: 1 }, 30, "the completed announce");
        await leecher.DisposeAsync();
        // 'stopped' removes it.
        await EngineHarness.WaitUntilAsync(() => tracker.Registry.Totals().Peers == 1, 30, "the stopped announce");
    }
}

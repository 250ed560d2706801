using System.Net;
using Shoal;
using Shoal.Tracker;

namespace Shoal.Tests.Engine;

public class TrackerSwarmTests
{
    [Theory]
    [InlineData("http")]
    [InlineData("udp")]
    [InlineData("http", true)]
    [InlineData("udp", true)]
    public async Task Shoal_clients_find_each_other_through_the_shoal_tracker(string scheme, bool ipv6 = false)
    {
        await using var h = new EngineHarness();
        var address = ipv6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        // A long interval: no regular re-announce is in flight when the leecher stops, so its
        // 'stopped' cannot be overtaken by an older announce on another connection.
        await using var tracker = new TrackerServer(new TrackerOptions { Bind = [address], Port = 0, Interval = TimeSpan.FromMinutes(5), MinInterval = TimeSpan.FromSeconds(1) });
        await tracker.StartAsync();
        int port = tracker.Port;
        string host = ipv6 ? "[::1]" : "127.0.0.1";
        string url = scheme == "http" ? $"http://{host}:{port}/announce" : $"udp://{host}:{port}/announce";
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 400_000)], trackers: [[url]]);
        // Over IPv6 the peers the tracker hands out are ::1 addresses (peers6, or 18-byte UDP entries).
        Func<ShoalClientOptions, ShoalClientOptions>? listen = ipv6 ? o => o with { ListenAddresses = [IPAddress.IPv6Loopback] } : null;
        var seeder = await h.ClientAsync(listen);
        var seed = seeder.Add(torrent, seedDir);
        await seed.StartAsync();
        await EngineHarness.WaitUntilAsync(() => tracker.Store.Totals().Seeders == 1, 30, "the seed's announce");
        var leecher = await h.ClientAsync(listen);
        var leech = leecher.Add(torrent, h.NewDir()); // no direct peers: only the tracker
        await leech.StartAsync();
        await EngineHarness.WaitCompleteAsync(leech);
        EngineHarness.AssertSameFiles(torrent, seedDir, leech.SaveDirectory);
        // 'completed' reached the tracker: both are seeds now.
        await EngineHarness.WaitUntilAsync(() => tracker.Store.Scrape(InfoHashKey.From(torrent.InfoHashes.V1!.Value.Span)) is { Seeders: 2, Completed: 1 }, 30, "the completed announce");
        await leecher.DisposeAsync();
        // 'stopped' removes it.
        await EngineHarness.WaitUntilAsync(() => tracker.Store.Totals().Peers == 1, 30, "the stopped announce");
    }
}

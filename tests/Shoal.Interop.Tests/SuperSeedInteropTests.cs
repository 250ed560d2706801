namespace Shoal.Interop.Tests;

/// <summary>
/// A superseeding Shoal seed (BEP 16) serving the reference clients: it greets them with
/// nothing and tells them of one piece at a time; each completes all the same, moving on to
/// the next piece on its have (libtorrent) or its loss of interest.
/// </summary>
public class SuperSeedInteropTests
{
    private static readonly TimeSpan TransferTimeout = TimeSpan.FromSeconds(150);

    /// <summary>The most the seed said it uploaded (its --json lines, one a second and one per state change).</summary>
    private static long Uploaded(Shoal.Tests.Common.BackgroundProcess seed) =>
        seed.Output.Split('\n').Where(l => l.StartsWith('{')).Select(l => (long?)System.Text.Json.Nodes.JsonNode.Parse(l)?["uploaded"] ?? 0)
            .DefaultIfEmpty(0).Max();

    /// <summary>A superseeding seed offers each piece once: with one leecher it sends exactly one copy, no piece twice.</summary>
    private static async Task AssertOneCopyUploadedAsync(Shoal.Tests.Common.BackgroundProcess seed, string torrent)
    {
        long size = Shoal.Metainfo.TorrentParser.Load(torrent).TotalSize;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Uploaded(seed) < size && DateTime.UtcNow < deadline)
            await Task.Delay(200); // its status line comes once a second
        Assert.Equal(size, Uploaded(seed));
    }

    [Fact]
    public async Task Libtorrent_leeches_from_a_superseeding_shoal_seed()
    {
        using var swarm = new SwarmInterop();
        var (torrent, seedDir) = await swarm.SampleAsync("data", multi: true);
        var (seed, seedPort) = await swarm.ShoalSeedAsync(torrent, seedDir, "--super-seed");
        await seed.WaitForLineAsync(l => l.Contains("seeding"), TimeSpan.FromSeconds(30), "the shoal seed to start");
        string dir = swarm.Dir("lt");
        var (leecher, _) = await swarm.LibtorrentAsync("leech", torrent, dir, "--peer", $"127.0.0.1:{seedPort}", "--exit-when-done");
        await SwarmInterop.WaitLibtorrentDoneAsync(leecher);
        SwarmInterop.AssertSame(seedDir, dir);
        await AssertOneCopyUploadedAsync(seed, torrent);
    }

    [Fact]
    public async Task Transmission_leeches_from_a_superseeding_shoal_seed()
    {
        // Transmission never dials loopback peers: the Shoal seed learns it from the tracker and dials it.
        // Transmission 3.00 sends its haves in batches and takes up interest again only at its
        // 10 s rechoke, so each offered piece costs it about 20 s: three pieces (32 KiB each) here.
        using var swarm = new SwarmInterop();
        var (torrent, seedDir) = await swarm.SampleAsync("data", size: 3 * 32 * 1024 - 1000);
        int trackerPort = await swarm.OpenTrackerAsync(torrent);
        SwarmInterop.SetTracker(torrent, SwarmInterop.HttpTracker(trackerPort));
        var (seed, _) = await swarm.ShoalSeedAsync(torrent, seedDir, "--super-seed");
        string dir = swarm.Dir("transmission");
        var (leecher, _) = await swarm.TransmissionAsync(torrent, dir);
        await SwarmInterop.WaitSameAsync(seedDir, dir, TransferTimeout, () => seed.Output + "\n" + SwarmInterop.Tail(leecher.Output, 2000));
        await AssertOneCopyUploadedAsync(seed, torrent);
    }
}

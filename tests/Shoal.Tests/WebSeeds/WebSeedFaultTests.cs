using Shoal.Peers;
using Shoal.Swarm;
using Shoal.Tests.Engine;
using Shoal.WebSeeds;

namespace Shoal.Tests.WebSeeds;

/// <summary>Web seeds that redirect, loop, miss a file or stall: followed, bounded, dropped or retried, and the torrent completes.</summary>
public class WebSeedFaultTests
{
    [Fact]
    public async Task Redirects_are_followed_to_the_data()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("set", [("a.bin", 90_000), ("b.bin", 60_000)]);
        await using var server = await WebSeedServer.StartAsync(seedDir);
        server.Redirect = path => path.StartsWith("old/", StringComparison.Ordinal) ? "/" + path[4..] : null;
        var leecher = await h.ClientAsync();
        var leech = leecher.Add(torrent with { WebSeeds = [server.Url + "/old/"] }, h.NewDir());
        await leech.StartAsync();
        await EngineHarness.WaitCompleteAsync(leech);
        EngineHarness.AssertSameFiles(torrent, seedDir, leech.SaveDirectory);
        Assert.Contains(server.Requests, p => p.StartsWith("old/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_server_that_redirects_in_a_loop_is_given_up_after_a_bounded_number_of_requests_and_another_completes_the_torrent()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 200_000)]);
        await using var loop = await WebSeedServer.StartAsync(seedDir);
        loop.Redirect = path => "/" + path; // to itself, forever
        await using var good = await WebSeedServer.StartAsync(seedDir);
        var leecher = await h.ClientAsync();
        var leech = leecher.Add(torrent with { WebSeeds = [loop.Url + "/", good.Url + "/"] }, h.NewDir());
        await leech.StartAsync();
        await EngineHarness.WaitCompleteAsync(leech);
        EngineHarness.AssertSameFiles(torrent, seedDir, leech.SaveDirectory);
        // Each try follows at most 5 redirects (6 requests), and a link makes at most 5 tries.
        Assert.InRange(loop.Requests.Count, 1, 6 * WebSeedLink.MaxFailures);
    }

    [Fact]
    public async Task A_server_missing_one_file_of_a_multi_file_torrent_does_not_keep_another_from_completing_it()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("set", [("a.bin", 90_000), ("b.bin", 90_000)]);
        string partial = h.NewDir("partial");
        Directory.CreateDirectory(Path.Combine(partial, "set"));
        File.Copy(Path.Combine(seedDir, "set", "a.bin"), Path.Combine(partial, "set", "a.bin")); // b.bin: 404
        await using var missing = await WebSeedServer.StartAsync(partial);
        await using var good = await WebSeedServer.StartAsync(seedDir);
        var leecher = await h.ClientAsync();
        var leech = leecher.Add(torrent with { WebSeeds = [missing.Url + "/", good.Url + "/"] }, h.NewDir());
        await leech.StartAsync();
        await EngineHarness.WaitCompleteAsync(leech);
        EngineHarness.AssertSameFiles(torrent, seedDir, leech.SaveDirectory);
    }

    [Fact]
    public async Task A_server_that_stalls_gives_its_blocks_back_after_30_seconds_and_is_asked_again_after_the_back_off()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 100_000)]);
        await using var server = await WebSeedServer.StartAsync(seedDir);
        server.Stall = n => n == 1;
        var time = new Discovery.CountingTime();
        var sink = new RecordingSink();
        using var http = new HttpClient();
        var link = new WebSeedLink(new UrlListFetcher(server.Url + "/", torrent, http), torrent, sink, time);
        var block = new BlockRequest(0, 0, 16384);

        link.Request(block);
        await EngineHarness.WaitUntilAsync(() => server.Requests.Count == 1 && time.Timers == 1, 10, "the request and its stall limit");
        time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(0, Volatile.Read(ref sink.Rejected));
        time.Advance(TimeSpan.FromSeconds(1));
        await EngineHarness.WaitUntilAsync(() => Volatile.Read(ref sink.Rejected) == 1 && time.Timers == 2, 10, "the stall to give the block back");
        Assert.Equal(1, link.Failures);
        link.Request(block);
        time.Advance(TimeSpan.FromSeconds(2));
        await EngineHarness.WaitUntilAsync(() => Volatile.Read(ref sink.Blocks) == 1, 10, "the block on the second try");
    }

    [Fact]
    public async Task A_retry_after_date_is_read_on_the_clients_clock_and_waited_out_without_counting_a_failure()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 100_000)]);
        await using var server = await WebSeedServer.StartAsync(seedDir);
        var time = new Discovery.CountingTime(); // its clock reads a date years before the machine's
        server.BusyUntil = n => n == 1 ? time.GetUtcNow() + TimeSpan.FromSeconds(9) : null;
        var sink = new RecordingSink();
        using var http = new HttpClient();
        var link = new WebSeedLink(new UrlListFetcher(server.Url + "/", torrent, http, time), torrent, sink, time);
        var block = new BlockRequest(0, 0, 16384);

        link.Request(block);
        await EngineHarness.WaitUntilAsync(() => Volatile.Read(ref sink.Rejected) == 1 && time.Timers == 2, 10, "the 503 and its wait to begin");
        link.Request(block); // the scheduler asks again
        time.Advance(TimeSpan.FromSeconds(8));
        Assert.Single(server.Requests);
        time.Advance(TimeSpan.FromSeconds(1));
        await EngineHarness.WaitUntilAsync(() => Volatile.Read(ref sink.Blocks) == 1, 10, "the block after the date");
        Assert.Equal(2, server.Requests.Count);
        Assert.Equal(0, link.Failures);
        link.Close("test over");
        await sink.Work!;
    }
}

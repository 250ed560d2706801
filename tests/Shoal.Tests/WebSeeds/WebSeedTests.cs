using Shoal.Metainfo;
using Shoal.Peers;
using Shoal.Swarm;
using Shoal.Tests.Engine;
using Shoal.WebSeeds;

namespace Shoal.Tests.WebSeeds;

/// <summary>BEP 19 web seeds: the URL rules, and torrents fetched from HTTP servers alone.</summary>
public class WebSeedTests
{
    private static Torrent Torrent(bool single, params string[][] paths) => new()
    {
        Name = paths[0][0], Version = TorrentVersion.V1, InfoHashes = new InfoHashes(new InfoHash(new byte[20]), null), PieceLength = 16384,
        IsSingleFile = single, InfoBytes = Array.Empty<byte>(), Info = new Shoal.Bencode.BDictionary(),
        Files = [.. paths.Select(p => new TorrentFile { PathComponents = p, Length = 1, Offset = 0 })],
    };

    [Theory]
    [InlineData("http://h/dl/file.iso", "http://h/dl/file.iso")]
    [InlineData("http://h/dl/", "http://h/dl/my%20file.iso")]
    public void A_single_file_torrent_is_the_url_or_the_url_plus_its_name(string url, string expected)
    {
        var torrent = Torrent(true, ["my file.iso"]);
        Assert.Equal(expected, WebSeedUrl.For(url, torrent, torrent.Files[0]).AbsoluteUri);
    }

    [Theory]
    [InlineData("http://h/dl")]
    [InlineData("http://h/dl/")]
    public void A_multi_file_torrent_adds_its_name_and_each_file_path_percent_encoded(string url)
    {
        var torrent = Torrent(false, ["album", "CD 1", "01 café.flac"]);
        Assert.Equal("http://h/dl/album/CD%201/01%20caf%C3%A9.flac", WebSeedUrl.For(url, torrent, torrent.Files[0]).AbsoluteUri);
    }

    [Fact]
    public async Task A_hybrid_torrent_with_padding_completes_from_an_http_server_alone_and_no_padding_file_is_asked_for()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("album", [("a.bin", 150_000), ("sub dir/b c.bin", 90_000), ("d.bin", 70_000)], version: TorrentVersion.Hybrid);
        Assert.Contains(torrent.Files, f => f.IsPadding);
        await using var server = await WebSeedServer.StartAsync(seedDir);
        var leecher = await h.ClientAsync();
        var leech = leecher.Add(torrent with { WebSeeds = [server.Url + "/"] }, h.NewDir()); // no tracker, no peer
        await leech.StartAsync();
        await EngineHarness.WaitCompleteAsync(leech);
        EngineHarness.AssertSameFiles(torrent, seedDir, leech.SaveDirectory);
        Assert.DoesNotContain(server.Requests, p => p.Contains(".pad", StringComparison.Ordinal));
        Assert.Contains("album/sub dir/b c.bin", server.Requests);
    }

    /// <summary>A peer source of the user's that knows one mirror.</summary>
    private sealed class MirrorSource(Shoal.Discovery.IPeerSourceHost host, string url) : Shoal.Discovery.IPeerSource
    {
        public string Name => "mirror list";
        public Task RunAsync(CancellationToken cancellationToken)
        {
            host.AddWebSeeds([url, url, "ftp://not-http/"]); // a repeat and an unusable one are dropped
            return Task.CompletedTask;
        }
        public void Nudge()
        {
        }
    }

    [Fact]
    public async Task A_web_seed_handed_over_by_a_peer_source_of_the_users_completes_a_torrent_without_a_url_list()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 300_000)]);
        Assert.Empty(torrent.WebSeeds);
        await using var server = await WebSeedServer.StartAsync(seedDir);
        server.Fault = n => n == 1 ? 503 : null;
        var leecher = await h.ClientAsync();
        leecher.AddPeerSource((host, _, _) => new MirrorSource(host, server.Url + "/"));
        var leech = leecher.Add(torrent, h.NewDir()); // no tracker, no peer
        await leech.StartAsync();
        IReadOnlyList<PeerInfo> peers = [];
        await EngineHarness.WaitUntilAsync(() => (peers = leech.GetPeers()).Count > 0, 30, "the mirror as a peer"); // its first answer, a 503, keeps it 2 s
        Assert.Equal(server.Url + "/", Assert.Single(peers).WebSeedUrl);
        Assert.Equal(PeerOrigin.WebSeed, peers[0].Origin);
        await EngineHarness.WaitCompleteAsync(leech);
        EngineHarness.AssertSameFiles(torrent, seedDir, leech.SaveDirectory);
    }

    [Fact]
    public async Task A_server_that_sends_bad_data_is_banned_and_a_good_one_completes_the_torrent()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 600_000)]);
        await using var good = await WebSeedServer.StartAsync(seedDir);
        await using var bad = await WebSeedServer.StartAsync(seedDir);
        bad.Corrupt = true;
        good.Fault = n => n == 1 ? 503 : null; // the good one waits 2 s after its first answer: the bad one serves alone meanwhile
        var log = new LogCapture();
        var leecher = await h.ClientAsync(o => o with { LoggerFactory = log });
        var leech = leecher.Add(torrent with { WebSeeds = [bad.Url + "/", good.Url + "/"] }, h.NewDir());
        await leech.StartAsync();
        await EngineHarness.WaitCompleteAsync(leech);
        EngineHarness.AssertSameFiles(torrent, seedDir, leech.SaveDirectory);
        Assert.Contains(log.At(Microsoft.Extensions.Logging.LogLevel.Warning), l => l.Contains($"banned {bad.Url}/", StringComparison.Ordinal));
        Assert.DoesNotContain(log.At(Microsoft.Extensions.Logging.LogLevel.Warning), l => l.Contains($"banned {good.Url}/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_web_seed_shows_among_the_torrents_peers_with_its_url()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 100_000)]);
        await using var server = await WebSeedServer.StartAsync(seedDir);
        server.Fault = _ => 503; // it never delivers: the torrent stays downloading while we look
        var leecher = await h.ClientAsync();
        string url = server.Url + "/";
        var leech = leecher.Add(torrent with { WebSeeds = [url] }, h.NewDir());
        await leech.StartAsync();
        await EngineHarness.WaitUntilAsync(() => leech.GetPeers().Any(p => p.IsWebSeed && p.WebSeedUrl == url), 10, "the web seed among the peers");
        Assert.DoesNotContain(leech.GetPeers(), p => !p.IsWebSeed);
        await leech.StopAsync();
    }

    [Fact]
    public async Task A_server_that_answers_503_at_first_is_tried_again_and_the_torrent_completes()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 300_000)]);
        await using var server = await WebSeedServer.StartAsync(seedDir);
        server.Fault = n => n <= 2 ? 503 : null;
        var leecher = await h.ClientAsync();
        var leech = leecher.Add(torrent with { WebSeeds = [server.Url + "/"] }, h.NewDir());
        await leech.StartAsync();
        await EngineHarness.WaitCompleteAsync(leech);
        EngineHarness.AssertSameFiles(torrent, seedDir, leech.SaveDirectory);
    }

    [Fact]
    public async Task A_server_that_never_serves_the_range_is_tried_and_does_not_keep_a_good_one_from_completing_the_torrent()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 300_000)]);
        await using var good = await WebSeedServer.StartAsync(seedDir);
        await using var bad = await WebSeedServer.StartAsync(seedDir);
        bad.Fault = _ => 200; // 200 with no body: not the range asked for
        // The good one answers only once the bad one was asked, or it could serve all before that.
        good.Hold = () => EngineHarness.WaitUntilAsync(() => !bad.Requests.IsEmpty, 30, "a request to the bad server");
        var leecher = await h.ClientAsync();
        var leech = leecher.Add(torrent with { WebSeeds = [bad.Url + "/", good.Url + "/"] }, h.NewDir());
        await leech.StartAsync();
        await EngineHarness.WaitCompleteAsync(leech);
        EngineHarness.AssertSameFiles(torrent, seedDir, leech.SaveDirectory);
        Assert.NotEmpty(bad.Requests);
    }
}

/// <summary>A web seed's retry schedule on a fake clock, against a server that always fails.</summary>
public class WebSeedBackOffTests
{
    [Fact]
    public async Task A_failing_server_is_asked_again_after_2_4_8_and_16_seconds_then_dropped()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 100_000)]);
        await using var server = await WebSeedServer.StartAsync(seedDir);
        server.Fault = _ => 503;
        var time = new Discovery.CountingTime(); // each try makes two timers: its stall limit and its back-off
        var sink = new RecordingSink();
        using var http = new HttpClient();
        var link = new WebSeedLink(new UrlListFetcher(server.Url + "/", torrent, http), torrent, sink, time);
        var block = new BlockRequest(0, 0, 16384);

        link.Request(block);
        await EngineHarness.WaitUntilAsync(() => server.Requests.Count == 1 && Volatile.Read(ref sink.Rejected) == 1, 10, "the first failure");
        foreach (int wait in new[] { 2, 4, 8, 16 })
        {
            int asked = server.Requests.Count;
            await EngineHarness.WaitUntilAsync(() => time.Timers == 2 * asked, 10, $"the back-off of {wait} s to begin");
            link.Request(block); // the scheduler asks again
            time.Advance(TimeSpan.FromSeconds(wait - 1));
            Assert.Equal(asked, server.Requests.Count); // still backing off
            time.Advance(TimeSpan.FromSeconds(1));
            await EngineHarness.WaitUntilAsync(() => server.Requests.Count == asked + 1 || sink.Closed is not null, 10, $"the retry after {wait} s");
        }
        await EngineHarness.WaitUntilAsync(() => sink.Closed is not null, 10, "the link to close");
        Assert.Equal(WebSeedLink.MaxFailures, server.Requests.Count);
        Assert.Contains("503", sink.Closed);
        Assert.True(link.IsClosed);
        Assert.Equal(0, sink.Blocks); // a failing server delivers nothing
    }
}

using Shoal.Metainfo;
using Shoal.Peers;
using Shoal.Swarm;
using Shoal.Tests.Engine;
using Shoal.WebSeeds;

namespace Shoal.Tests.WebSeeds;

/// <summary>BEP 17 HTTP seeds: the request's form, a torrent fetched from a script alone, and a busy script's 503.</summary>
public class HttpSeedTests
{
    [Fact]
    public async Task A_whole_piece_is_asked_without_ranges_and_part_of_one_with_an_inclusive_range_within_it()
    {
        await using var h = new EngineHarness();
        var (torrent, _) = await h.CreateAsync("data.bin", [("data.bin", 100_000)]); // 32 KiB pieces, the last 1,696 bytes
        using var http = new HttpClient();
        string hash = string.Concat(torrent.InfoHashes.V1!.Value.Span.ToArray().Select(b =>
            char.IsAsciiLetterOrDigit((char)b) || "-_.~".Contains((char)b) ? ((char)b).ToString() : $"%{b:X2}"));

        var fetcher = new HttpSeedFetcher("http://h/seed.php", torrent, http);
        Assert.Equal($"http://h/seed.php?info_hash={hash}&piece=1", fetcher.PieceUrl(1, 0, 32768).OriginalString);
        Assert.Equal($"http://h/seed.php?info_hash={hash}&piece=3", fetcher.PieceUrl(3, 0, 100_000 - (3 * 32768)).OriginalString);
        Assert.Equal($"http://h/seed.php?info_hash={hash}&piece=2&ranges=16384-32767", fetcher.PieceUrl(2, 16384, 16384).OriginalString);
        var withQuery = new HttpSeedFetcher("http://h/seed?id=7", torrent, http);
        Assert.StartsWith("http://h/seed?id=7&info_hash=", withQuery.PieceUrl(0, 0, 32768).OriginalString);
    }

    [Fact]
    public async Task A_multi_file_torrent_completes_from_a_bep17_script_alone_asked_by_its_info_hash()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("set", [("a.bin", 70_000), ("sub/b.bin", 150_000), ("c.bin", 5)]);
        await using var script = await HttpSeedScript.StartAsync(torrent, seedDir);
        var leecher = await h.ClientAsync();
        var leech = leecher.Add(torrent with { HttpSeeds = [script.Url] }, h.NewDir()); // no tracker, no peer
        await leech.StartAsync();
        await EngineHarness.WaitCompleteAsync(leech);
        EngineHarness.AssertSameFiles(torrent, seedDir, leech.SaveDirectory);
        Assert.All(script.Requests, q => Assert.Contains("piece=", q.Value));
        Assert.Contains(script.Requests, q => !q.Value!.Contains("ranges=")); // whole pieces asked as such
    }

    [Fact]
    public void A_v2_only_torrent_has_no_hash_to_ask_a_bep17_script_by()
    {
        var v2 = new Torrent
        {
            Name = "x", Version = TorrentVersion.V2, InfoHashes = new InfoHashes(null, new InfoHash(new byte[32])), PieceLength = 16384,
            IsSingleFile = true, InfoBytes = Array.Empty<byte>(), Info = new Shoal.Bencode.BDictionary(), Files = [],
        };
        Assert.False(HttpSeedFetcher.Serves(v2));
    }

    [Fact]
    public async Task A_busy_script_is_asked_again_after_the_seconds_its_503_names_and_that_is_no_failure()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 100_000)]);
        await using var script = await HttpSeedScript.StartAsync(torrent, seedDir);
        script.Busy = n => n == 1 ? "7" : null;
        var time = new Discovery.CountingTime();
        var sink = new RecordingSink();
        using var http = new HttpClient();
        var link = new WebSeedLink(new HttpSeedFetcher(script.Url, torrent, http), torrent, sink, time);
        var block = new BlockRequest(0, 0, 16384);

        link.Request(block);
        await EngineHarness.WaitUntilAsync(() => Volatile.Read(ref sink.Rejected) == 1 && time.Timers == 2, 10, "the 503 and its wait to begin");
        link.Request(block); // the scheduler asks again
        time.Advance(TimeSpan.FromSeconds(6));
        Assert.Single(script.Requests);
        time.Advance(TimeSpan.FromSeconds(1));
        await EngineHarness.WaitUntilAsync(() => Volatile.Read(ref sink.Blocks) == 1, 10, "the block after 7 s");
        Assert.Equal(2, script.Requests.Count);
        Assert.Equal(0, link.Failures);
    }
}

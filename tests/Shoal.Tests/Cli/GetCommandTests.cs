using System.Text.Json;
using Shoal.Metainfo;
using Shoal.Tests.Common;
using Shoal.Tests.Engine;

namespace Shoal.Tests.Cli;

/// <summary>`shoal get` and `shoal seed` as a user runs them: JSON status lines, --only, kill -9 and resume.</summary>
public class GetCommandTests
{
    private static async Task<(string Torrent, string SeedDir, EngineHarness H)> SampleAsync((string, int)[] files, string name = "data")
    {
        var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync(name, files);
        string path = Path.Combine(h.Root, name + ".torrent");
        await File.WriteAllBytesAsync(path, torrent.ToBytes());
        return (path, seedDir, h);
    }

    /// <summary>A `shoal seed` on a port it picks (--port 0), with the port it reports.</summary>
    private static async Task<(BackgroundProcess Process, int Port)> SeedAsync(EngineHarness h, string torrent, string dir, params string[] extra)
    {
        var seed = BackgroundProcess.Shoal(h.NewDir("state"), ["seed", torrent, dir, "--bind", "127.0.0.1", "--port", "0", "--no-dht", "--no-lsd", "--json", .. extra]);
        return (seed, await seed.ShoalListenPortAsync());
    }

    /// <summary>A `shoal get --json` of <paramref name="torrent"/> into <paramref name="dir"/> from the seed on <paramref name="port"/> alone.</summary>
    private static BackgroundProcess GetFrom(EngineHarness h, string torrent, string dir, int port) =>
        BackgroundProcess.Shoal(h.NewDir("state"), "get", torrent, "-o", dir, "--bind", "127.0.0.1", "--port", "0", "--no-dht", "--no-lsd", "--peer", $"127.0.0.1:{port}", "--json");

    private static List<JsonElement> JsonLines(BackgroundProcess process) =>
        [.. process.Output.Split('\n').Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement.Clone())];

    [Fact]
    public async Task Get_prints_json_status_lines_and_exits_zero_when_verified()
    {
        var (torrent, seedDir, h) = await SampleAsync([("data", 700_000)]);
        await using var cleanup = h;
        var (seed, port) = await SeedAsync(h, torrent, seedDir);
        using var seeding = seed;
        string dir = h.NewDir();
        using var get = GetFrom(h, torrent, dir, port);
        Assert.Equal(0, await get.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        var last = JsonLines(get)[^1];
        foreach (var field in new[] { "name", "infoHash", "state", "progress", "verifiedBytes", "downloaded", "uploaded", "downRate", "upRate", "peers" })
            Assert.True(last.TryGetProperty(field, out _), $"missing {field}: {last}");
        Assert.Equal("seeding", last.GetProperty("state").GetString());
        Assert.Equal(1.0, last.GetProperty("progress").GetDouble());
        Assert.Equal(700_000, last.GetProperty("verifiedBytes").GetInt64());
        Assert.True(File.ReadAllBytes(Path.Combine(seedDir, "data")).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(dir, "data"))));
    }

    [Fact]
    public async Task A_seed_stopped_by_sigterm_says_how_many_blocks_its_read_cache_served_and_exits_cleanly()
    {
        var (torrent, seedDir, h) = await SampleAsync([("data", 700_000)]);
        await using var cleanup = h;
        var (seed, port) = await SeedAsync(h, torrent, seedDir);
        using var seeding = seed;
        for (int i = 0; i < 2; i++)
        {
            using var get = GetFrom(h, torrent, h.NewDir(), port);
            Assert.Equal(0, await get.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        }
        seed.Terminate();
        Assert.Equal(0, await seed.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        // Two leechers took every block (22 pieces of 32 KiB, the last one block): the first peer's
        // blocks come from disk; the second peer's first block of a piece loads it, its second is a hit.
        string line = seed.Output.Split('\n').Single(l => l.StartsWith("read cache: ", StringComparison.Ordinal));
        var numbers = System.Text.RegularExpressions.Regex.Match(line, @"^read cache: (\d+) of (\d+) blocks");
        Assert.True(numbers.Success, line);
        long hits = long.Parse(numbers.Groups[1].Value), sent = long.Parse(numbers.Groups[2].Value);
        Assert.True(sent >= 2 * 43 && hits == 21, line); // 700,000 bytes: 43 blocks a leecher
        Assert.Contains("shoal: stopped; resume data saved", seed.Output);
    }

    /// <summary>`shoal ARGS` with its standard input from the shell command <paramref name="input"/> (a pipe).</summary>
    private static BackgroundProcess ShoalWithInput(string stateDir, string input, params string[] args) =>
        BackgroundProcess.Start("sh", ["-c", input + " | exec dotnet \"$@\"", "sh", Path.Combine(AppContext.BaseDirectory, "shoal.dll"), .. args],
            new Dictionary<string, string> { ["SHOAL_STATE_DIR"] = stateDir });

    [Fact]
    public async Task Get_reads_a_torrent_from_standard_input_given_as_a_dash()
    {
        var (torrent, seedDir, h) = await SampleAsync([("data", 300_000)]);
        await using var cleanup = h;
        var (seed, port) = await SeedAsync(h, torrent, seedDir);
        using var seeding = seed;
        string dir = h.NewDir();
        using var get = ShoalWithInput(h.NewDir("state"), $"cat '{torrent}'", "get", "-", "-o", dir, "--bind", "127.0.0.1", "--port", "0", "--no-dht", "--no-lsd",
            "--peer", $"127.0.0.1:{port}", "--json");
        Assert.Equal(0, await get.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.True(File.ReadAllBytes(Path.Combine(seedDir, "data")).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(dir, "data"))));
    }

    [Theory]
    [InlineData("head -c 67108865 /dev/zero", "limit")] // one byte over the 64 MiB a .torrent may have
    [InlineData("printf 'd4:infod6:lengthi5e'; head -c 2000 /dev/urandom", "")] // a valid start, then noise
    [InlineData("true", "no .torrent on standard input")]
    public async Task Get_refuses_what_standard_input_gives_that_is_no_torrent(string input, string message)
    {
        await using var h = new EngineHarness();
        using var get = ShoalWithInput(h.NewDir("state"), input, "get", "-", "-o", h.NewDir(), "--bind", "127.0.0.1", "--port", "0", "--no-dht", "--no-lsd");
        Assert.NotEqual(0, await get.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("shoal:", get.Output);
        Assert.Contains(message, get.Output);
    }

    [Fact]
    public async Task Get_of_a_magnet_link_fetches_the_metadata_from_its_peer_shows_a_metadata_state_and_saves_the_torrent()
    {
        var (torrent, seedDir, h) = await SampleAsync([("docs/readme.txt", 50_000), ("video/big.bin", 400_000), ("video/small.bin", 40_000)], "set");
        await using var cleanup = h;
        var (seed, port) = await SeedAsync(h, torrent, seedDir);
        using var seeding = seed;
        var parsed = TorrentParser.Load(torrent);
        string magnet = $"magnet:?xt=urn:btih:{parsed.InfoHashes.V1!.Value.ToHex()}&dn=set&x.pe=127.0.0.1:{port}";
        string dir = h.NewDir();
        string copy = Path.Combine(h.Root, "fetched.torrent");
        using var get = BackgroundProcess.Shoal(h.NewDir("state"), "get", magnet, "-o", dir, "--bind", "127.0.0.1", "--port", "0", "--no-dht", "--no-lsd",
            "--only", "*.txt", "--save-torrent", copy, "--json");
        Assert.Equal(0, await get.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        var lines = JsonLines(get);
        var waiting = lines.FirstOrDefault(l => l.GetProperty("state").GetString() == "metadata");
        Assert.True(waiting.ValueKind == JsonValueKind.Object, $"no line in the metadata state: {get.Output}");
        Assert.True(waiting.TryGetProperty("metadataPeers", out _));
        Assert.Equal("seeding", lines[^1].GetProperty("state").GetString());
        Assert.Equal(parsed.InfoBytes.ToArray(), TorrentParser.Load(copy).InfoBytes.ToArray());
        Assert.True(File.ReadAllBytes(Path.Combine(seedDir, "set/docs/readme.txt")).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(dir, "set/docs/readme.txt"))));
        Assert.False(File.Exists(Path.Combine(dir, "set/video/small.bin")), "--only applies to a magnet's files once they are known");
        Assert.True(lines[^1].GetProperty("downloaded").GetInt64() < 200_000);
    }

    [Fact]
    public async Task Get_only_fetches_matching_files()
    {
        var (torrent, seedDir, h) = await SampleAsync([("docs/readme.txt", 50_000), ("video/big.bin", 400_000), ("video/small.bin", 40_000)], "set");
        await using var cleanup = h;
        var (seed, port) = await SeedAsync(h, torrent, seedDir);
        using var seeding = seed;
        string dir = h.NewDir();
        using var get = BackgroundProcess.Shoal(h.NewDir("state"), "get", torrent, "-o", dir, "--bind", "127.0.0.1", "--port", "0", "--no-dht", "--no-lsd",
            "--peer", $"127.0.0.1:{port}", "--only", "*.txt", "--json");
        Assert.Equal(0, await get.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.True(File.ReadAllBytes(Path.Combine(seedDir, "set/docs/readme.txt")).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(dir, "set/docs/readme.txt"))));
        Assert.False(File.Exists(Path.Combine(dir, "set/video/small.bin")), "a file the glob does not match was written");
        Assert.True(JsonLines(get)[^1].GetProperty("downloaded").GetInt64() < 200_000);
    }

    [Fact]
    public async Task Get_killed_mid_download_resumes_without_fetching_verified_pieces_again()
    {
        var (torrent, seedDir, h) = await SampleAsync([("data", 3_000_000)]);
        await using var cleanup = h;
        var (seed, port) = await SeedAsync(h, torrent, seedDir);
        using var seeding = seed;
        string dir = h.NewDir();
        string state = h.NewDir("state");
        string[] args = ["get", torrent, "-o", dir, "--bind", "127.0.0.1", "--port", "0", "--no-dht", "--no-lsd", "--peer", $"127.0.0.1:{port}", "--json", "--max-down", "1MiB"];

        long verifiedAtKill;
        using (var first = BackgroundProcess.Shoal(state, args))
        {
            await first.WaitForLineAsync(l => l.StartsWith('{') && JsonDocument.Parse(l).RootElement.GetProperty("progress").GetDouble() >= 0.4,
                TimeSpan.FromSeconds(60), "40% of the data");
            first.KillHard(); // kill -9: no chance to save anything
            verifiedAtKill = JsonLines(first)[^1].GetProperty("verifiedBytes").GetInt64();
        }
        Assert.True(verifiedAtKill > 0);

        using var second = BackgroundProcess.Shoal(state, args);
        Assert.Equal(0, await second.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        var last = JsonLines(second)[^1];
        Assert.Equal(3_000_000, last.GetProperty("verifiedBytes").GetInt64());
        // Pieces verified before the kill were found on disk, not fetched again.
        Assert.True(last.GetProperty("downloaded").GetInt64() <= 3_000_000 - verifiedAtKill,
            $"downloaded {last.GetProperty("downloaded")} after the restart; {verifiedAtKill} were verified before the kill");
        Assert.True(File.ReadAllBytes(Path.Combine(seedDir, "data")).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(dir, "data"))));
    }

    [Fact]
    public async Task Seed_of_missing_data_fails_cleanly()
    {
        var (torrent, _, h) = await SampleAsync([("data", 100_000)]);
        await using var cleanup = h;
        var result = await ProcessRunner.Shoal("seed", torrent, Path.Combine(h.Root, "nope"), "--no-dht", "--no-lsd");
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("shoal: no such folder", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_with_preallocate_on_a_full_disk_fails_at_once_with_a_clear_error()
    {
        var (torrent, _, h) = await SampleAsync([("data", 600_000)]);
        await using var cleanup = h;
        await using var mounted = await h.MountTmpfsAsync("size=256k");
        // No peer at all: the space is reserved before any data arrives.
        using var get = BackgroundProcess.Shoal(h.NewDir("state"), "get", torrent, "-o", mounted.Path, "--bind", "127.0.0.1", "--port", "0", "--no-dht", "--no-lsd", "--preallocate");
        Assert.Equal(1, await get.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("shoal: data: Failed to create", get.Output);
        Assert.Contains("disk was full", get.Output);
    }

    [Fact]
    public async Task Demo_runs_a_small_swarm_through_its_tracker_and_compares_with_one_server()
    {
        var result = await ProcessRunner.Shoal("demo", "--peers", "3", "--size", "1MiB", "--seed-up", "1MiB", "--peer-up", "1MiB", "--peer-down", "8MiB");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("tracker: http://127.0.0.1:", result.Stdout);
        Assert.Contains("3 of 3 copies are byte-identical", result.Stdout);
        Assert.Contains("N x F / u_s = 3.0 s", result.Stdout);
        Assert.Contains("lower bound", result.Stdout);
        Assert.Contains("(initial seeding)", result.Stdout);
        Assert.Matches(@"the seed \(initial seeding\) uploaded \d+\.\d\d copies until the leechers together held every piece, \d+\.\d\d until one leecher had them all", result.Stdout);
    }

    [Theory]
    [InlineData("--super-seed")]
    [InlineData("--initial-seed")]
    public async Task Seed_with_super_or_initial_seed_greets_a_peer_with_nothing_then_one_piece_and_a_get_still_completes(string flag)
    {
        var (torrent, seedDir, h) = await SampleAsync([("data", 300_000)]);
        await using var cleanup = h;
        var (seed, port) = await SeedAsync(h, torrent, seedDir, flag);
        using var seeding = seed;
        var endPoint = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port);
        using (var peer = await ScriptedPeer.ConnectAsync(endPoint, TorrentParser.Load(torrent).InfoHashes.Primary.Span.ToArray()))
        {
            var greeting = new List<Shoal.Wire.MessageId>();
            while (await peer.ReadAsync(TimeSpan.FromSeconds(20)) is { } m && m.Id != Shoal.Wire.MessageId.Have)
                greeting.Add(m.Id);
            Assert.Contains(Shoal.Wire.MessageId.HaveNone, greeting);
            Assert.DoesNotContain(Shoal.Wire.MessageId.HaveAll, greeting);
            Assert.DoesNotContain(Shoal.Wire.MessageId.Bitfield, greeting);
        }

        string dir = h.NewDir();
        using var get = BackgroundProcess.Shoal(h.NewDir("state"), "get", torrent, "-o", dir, "--bind", "127.0.0.1", "--port", "0", "--no-dht", "--no-lsd", "--peer", $"127.0.0.1:{port}");
        Assert.Equal(0, await get.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.True(File.ReadAllBytes(Path.Combine(seedDir, "data")).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(dir, "data"))));
    }
}

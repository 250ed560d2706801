using System.Text.Json;
using Shoal.Tests.Common;

namespace Shoal.Interop.Tests;

/// <summary>
/// Helpers for transfers between Shoal and real clients on 127.0.0.1: sample data, torrents,
/// opentracker with its whitelist, and the clients started with the settings
/// reference-clients.md describes. Every process is killed by its own id when the test ends.
/// </summary>
internal sealed class SwarmInterop : IDisposable
{
    private readonly List<BackgroundProcess> _processes = [];
    private static string LtScript => Path.Combine(AppContext.BaseDirectory, "Scripts", "lt.py");
    private static string ShoalDll => Path.Combine(AppContext.BaseDirectory, "shoal.dll");

    public string Root { get; } = Directory.CreateTempSubdirectory("shoal-interop-").FullName;

    public string Dir(string name)
    {
        string dir = Path.Combine(Root, name);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>
    /// Writes sample data into a fresh seed folder: one file, or with <paramref name="multi"/> a
    /// folder of several (odd sizes, an empty file) so pieces span files; then `shoal create`.
    /// </summary>
    public async Task<(string Torrent, string SeedDir)> SampleAsync(string name, int size = 3_000_000, string version = "v1",
        string? tracker = null, bool multi = false, int seed = 7)
    {
        string seedDir = Dir("seed-" + name);
        string target = Path.Combine(seedDir, name);
        var random = new Random(seed);
        if (multi)
        {
            (string Path, int Size)[] files = [("a.bin", size / 3 + 1234), ("empty.txt", 0), ("sub/b.bin", size / 5 + 77), ("sub/deep/c.bin", size / 2 - 999)];
            foreach (var (path, length) in files)
            {
                string full = Path.Combine(target, path);
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                var data = new byte[length];
                random.NextBytes(data);
                await File.WriteAllBytesAsync(full, data);
            }
        }
        else
        {
            var data = new byte[size];
            random.NextBytes(data);
            await File.WriteAllBytesAsync(target, data);
        }
        string torrent = Path.Combine(Root, name + ".torrent");
        var args = new List<string> { "create", target, "-o", torrent, "--piece-size", "32KiB" };
        if (version != "v1")
            args.Add("--" + version);
        if (tracker is not null)
            args.AddRange(["-t", tracker]);
        await Reference.CheckedShoal([.. args]);
        return (torrent, seedDir);
    }

    /// <summary>
    /// Starts opentracker answering for <paramref name="torrents"/> (on a port it is given:
    /// another one when that one is taken) and returns its port. The torrents' info-hashes do
    /// not depend on their trackers, so a test creates them first and then points them here
    /// with <see cref="SetTracker"/>.
    /// </summary>
    public async Task<int> OpenTrackerAsync(params string[] torrents)
    {
        string dir = Dir("opentracker");
        var hashes = new List<string>();
        foreach (var torrent in torrents)
        {
            var info = await Reference.ShoalInfo(torrent);
            if (info.GetProperty("infoHashV1").GetString() is { } v1)
                hashes.Add(v1);
            if (info.GetProperty("infoHashV2").GetString() is { } v2)
                hashes.Add(v2[..40]);
        }
        await File.WriteAllLinesAsync(Path.Combine(dir, "whitelist"), hashes);
        await File.WriteAllTextAsync(Path.Combine(dir, "opentracker.conf"), "access.whitelist /whitelist\n");
        await ProcessRunner.Run("chmod", ["-R", "a+rX", Root]);
        var (tracker, port) = await BackgroundProcess.StartOnSomePortAsync(port => BackgroundProcess.Start(ProcessRunner.Require("opentracker"),
            ["-i", "127.0.0.1", "-p", port.ToString(), "-P", port.ToString(), "-d", dir, "-u", "nobody", "-f", Path.Combine(dir, "opentracker.conf")]));
        Track(tracker);
        return port;
    }

    /// <summary>Rewrites a .torrent's tracker list (the info dictionary, so the info-hash, stays as it was).</summary>
    public static void SetTracker(string torrentPath, string url)
    {
        var torrent = Shoal.Metainfo.TorrentParser.Load(torrentPath);
        var moved = torrent with { Trackers = [[url]] };
        File.WriteAllBytes(torrentPath, moved.ToBytes());
        Assert.Equal(torrent.InfoHashes, Shoal.Metainfo.TorrentParser.Load(torrentPath).InfoHashes);
    }

    /// <summary>Starts `shoal tracker` on 127.0.0.1 (a port it picks) with a short interval, so clients re-announce and meet quickly; returns the port.</summary>
    public async Task<int> ShoalTrackerAsync()
    {
        var tracker = Track(BackgroundProcess.Shoal(Dir("tracker-state"), "tracker", "--bind", "127.0.0.1", "--port", "0", "--interval", "2s"));
        return await tracker.ShoalTrackerPortAsync();
    }

    /// <summary>Polls the shoal tracker's /stats until it has <paramref name="peers"/> peers, <paramref name="seeders"/> of them seeds.</summary>
    public static async Task WaitTrackerPeersAsync(int port, int peers, int seeders = 0)
    {
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var stats = JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{port}/stats"));
            if (stats.RootElement.GetProperty("peers").GetInt32() >= peers && stats.RootElement.GetProperty("seeders").GetInt32() >= seeders)
                return;
            Assert.True(DateTime.UtcNow < deadline, $"the tracker did not see {peers} peers ({seeders} seeds) in time");
            await Task.Delay(200);
        }
    }

    public static string HttpTracker(int port) => $"http://127.0.0.1:{port}/announce";
    public static string UdpTracker(int port) => $"udp://127.0.0.1:{port}/announce";

    public BackgroundProcess Track(BackgroundProcess process)
    {
        _processes.Add(process);
        return process;
    }

    // ---- Shoal ----

    /// <summary>Starts `shoal seed` on a port it picks (--port 0) and returns it with that port.</summary>
    public async Task<(BackgroundProcess Process, int Port)> ShoalSeedAsync(string torrent, string dir, params string[] extra)
    {
        var seed = Track(BackgroundProcess.Shoal(Dir("state-" + Guid.NewGuid().ToString("N")[..6]),
            ["seed", torrent, dir, "--bind", "127.0.0.1", "--port", "0", "--json", "--announce-interval", "2s", .. NoPublicDht(extra), .. extra]));
        return (seed, await seed.ShoalListenPortAsync());
    }

    /// <summary>
    /// No DHT unless the test names its own bootstrap node (tests never reach the public routers),
    /// and no LSD (its multicast would leave the machine) outside a test's own network namespaces.
    /// </summary>
    private static string[] NoPublicDht(string[] extra) => [.. extra.Contains("--dht-bootstrap") ? Array.Empty<string>() : ["--no-dht"], "--no-lsd"];

    public BackgroundProcess ShoalGet(string torrent, string dir, params string[] extra) =>
        Track(BackgroundProcess.Shoal(Dir("state-" + Guid.NewGuid().ToString("N")[..6]),
            ["get", torrent, "-o", dir, "--bind", "127.0.0.1", "--port", "0", "--announce-interval", "2s", "--json", .. NoPublicDht(extra), .. extra]));

    /// <summary>Runs `shoal get` to the end and checks it exited 0.</summary>
    public async Task ShoalGetAsync(string torrent, string dir, params string[] extra)
    {
        var get = ShoalGet(torrent, dir, extra);
        int code = await get.WaitForExitAsync(TimeSpan.FromSeconds(120));
        Assert.True(code == 0, $"shoal get exited {code}:\n{get.Output}");
    }

    // ---- libtorrent ----

    /// <summary>Starts a libtorrent session (seed or leech) and returns it with its listening port.</summary>
    public async Task<(BackgroundProcess Process, int Port)> LibtorrentAsync(string mode, string torrent, string dir, params string[] extra)
    {
        if (!File.Exists("/usr/bin/python3"))
            throw new InvalidOperationException("/usr/bin/python3 is missing; install python3-libtorrent");
        var process = Track(BackgroundProcess.Start("/usr/bin/python3", [LtScript, "swarm", mode, torrent, dir, .. extra]));
        string line = await process.WaitForLineAsync(l => l.StartsWith("port ", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "libtorrent's port");
        return (process, int.Parse(line[5..]));
    }

    /// <summary>Runs `shoal` to its end with this swarm's own state folder (so its saved DHT table and channel state are the test's alone).</summary>
    public Task<ProcessResult> ShoalRunAsync(params string[] args) =>
        ProcessRunner.Run("dotnet", [ShoalDll, .. args], environment: new Dictionary<string, string> { ["SHOAL_STATE_DIR"] = Dir("state-run") });

    /// <summary>`shoal publish --no-dht --serve AT` of <paramref name="torrent"/> as channel "app" of <paramref name="key"/>: the process, its feed URL and the channel's link.</summary>
    public async Task<(BackgroundProcess Process, string Feed, string Link)> ShoalServeChannelAsync(string key, string torrent, string at)
    {
        var process = Track(BackgroundProcess.Shoal(Dir("publisher-state-" + Path.GetFileName(key)),
            "publish", "--key", key, "--salt", "app", torrent, "--no-dht", "--serve", at, "--json"));
        string line = await process.WaitForLineAsync(l => l.StartsWith('{'), TimeSpan.FromSeconds(30), "the publisher's first line");
        using var json = JsonDocument.Parse(line);
        return (process, json.RootElement.GetProperty("feed").GetString()!, json.RootElement.GetProperty("channel").GetString()!);
    }

    /// <summary>Runs lt_items.py (BEP 44 through libtorrent) to its end and returns its one JSON line.</summary>
    public static async Task<JsonElement> LibtorrentItemAsync(string bind, string node, params string[] action)
    {
        var result = await ProcessRunner.Run("/usr/bin/python3",
            [Path.Combine(AppContext.BaseDirectory, "Scripts", "lt_items.py"), "--bind", bind, "--dht-node", node, .. action]);
        Assert.True(result.ExitCode == 0, $"lt_items.py {string.Join(' ', action)}: {result}");
        using var doc = JsonDocument.Parse(result.Stdout);
        return doc.RootElement.Clone();
    }

    /// <summary>A libtorrent DHT node alone (lt.py dht-node) on <paramref name="bind"/>, bootstrapped from <paramref name="bootstrap"/>; with its port.</summary>
    public async Task<(BackgroundProcess Process, int Port)> LibtorrentDhtNodeAsync(string bind, params string[] bootstrap)
    {
        var process = Track(BackgroundProcess.Start("/usr/bin/python3",
            [LtScript, "dht-node", "--bind", bind, .. bootstrap.SelectMany(b => new[] { "--dht-node", b })]));
        string line = await process.WaitForLineAsync(l => l.StartsWith("port ", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "libtorrent's port");
        return (process, int.Parse(line[5..]));
    }

    /// <summary>`shoal dht-node` on <paramref name="bind"/> (any free port), with the port from its first JSON line.</summary>
    public async Task<(BackgroundProcess Process, int Port)> ShoalDhtNodeAsync(string bind, params string[] bootstrap)
    {
        var node = Track(BackgroundProcess.Shoal(Dir("state-" + Guid.NewGuid().ToString("N")[..6]),
            ["dht-node", "--port", "0", "--bind", bind, "--json", "--interval", "0.5s", .. bootstrap.SelectMany(b => new[] { "--dht-bootstrap", b })]));
        string line = await node.WaitForLineAsync(l => l.StartsWith('{'), TimeSpan.FromSeconds(30), "the shoal DHT node's first status");
        return (node, JsonDocument.Parse(line).RootElement.GetProperty("port").GetInt32());
    }

    private static int _nextLoopbackBlock;

    /// <summary>A /24 of loopback addresses of its own for one test's DHT nodes (127.0.N.x), so per-address limits see separate machines.</summary>
    public static string LoopbackBlock() => $"127.0.{100 + Interlocked.Increment(ref _nextLoopbackBlock) % 150}";

    public static async Task WaitLibtorrentDoneAsync(BackgroundProcess leecher)
    {
        await leecher.WaitForLineAsync(l => l.Contains("\"done\": true"), TimeSpan.FromSeconds(120), "libtorrent to finish");
    }

    // ---- Transmission ----

    /// <summary>
    /// Starts transmission-cli on a port it is given (another one when that one is taken); returns it with the port.
    /// <paramref name="encryption"/> is its flag: -et tolerated, -ep preferred, -er required.
    /// </summary>
    public async Task<(BackgroundProcess Process, int Port)> TransmissionAsync(string torrent, string dir, string encryption = "-et")
    {
        var (process, port) = await BackgroundProcess.StartOnSomePortAsync(port => BackgroundProcess.Start(ProcessRunner.Require("transmission-cli"),
            ["-g", Dir("transmission-" + Guid.NewGuid().ToString("N")[..6]), "-w", dir, "-p", port.ToString(), encryption, "-M", "-D", "-U", torrent]));
        return (Track(process), port);
    }

    // ---- aria2 ----

    private static readonly string[] AriaCommon =
    [
        "--interface=127.0.0.1", "--disable-ipv6=true", "--enable-dht=false", "--bt-enable-lpd=false",
        "--enable-peer-exchange=false", "--console-log-level=warn", "--summary-interval=0", "--file-allocation=none",
        "--bt-tracker-interval=2",
    ];

    /// <summary>aria2 takes the first port of this range that it can bind; we read which from /proc.</summary>
    private const string AriaPorts = "--listen-port=20000-59999";

    /// <summary>aria2's options for RC4-encrypted connections only.</summary>
    public static readonly string[] AriaRequireCrypto = ["--bt-require-crypto=true", "--bt-min-crypto-level=arc4"];

    public async Task<(BackgroundProcess Process, int Port)> AriaSeedAsync(string torrent, string dir, params string[] extra)
    {
        var seed = Track(BackgroundProcess.Start(ProcessRunner.Require("aria2c"),
            [.. AriaCommon, AriaPorts, .. extra, "--bt-seed-unverified=true", "--check-integrity=false", "--seed-ratio=0.0", "-d", dir, torrent]));
        return (seed, await seed.ListeningPortAsync(TimeSpan.FromSeconds(30)));
    }

    public BackgroundProcess AriaLeech(string torrent, string dir, params string[] extra) =>
        Track(BackgroundProcess.Start(ProcessRunner.Require("aria2c"), [.. AriaCommon, AriaPorts, .. extra, "--seed-time=0", "-d", dir, torrent]));

    // ---- checks ----

    /// <summary>Waits until every file of the seed's data is byte-identical in <paramref name="dir"/>.</summary>
    public static async Task WaitSameAsync(string seedDir, string dir, TimeSpan timeout, Func<string>? diagnostics = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Same(seedDir, dir))
        {
            if (DateTime.UtcNow >= deadline) // the diagnostics only then: a message built each turn costs, and can fail itself
                Assert.Fail($"data in {dir} is not the seed's after {timeout.TotalSeconds}s\n{diagnostics?.Invoke()}");
            await Task.Delay(200);
        }
    }

    /// <summary>The last <paramref name="chars"/> characters of <paramref name="text"/> (read once: a process's output grows meanwhile).</summary>
    public static string Tail(string text, int chars) => text[^Math.Min(chars, text.Length)..];

    public static void AssertSame(string seedDir, string dir) =>
        Assert.True(Same(seedDir, dir), $"{dir} differs from {seedDir}");

    public static bool Same(string seedDir, string dir)
    {
        foreach (var file in Directory.EnumerateFiles(seedDir, "*", SearchOption.AllDirectories))
        {
            string other = Path.Combine(dir, Path.GetRelativePath(seedDir, file));
            if (!File.Exists(other) || new FileInfo(other).Length != new FileInfo(file).Length)
                return false;
            if (!File.ReadAllBytes(file).AsSpan().SequenceEqual(File.ReadAllBytes(other)))
                return false;
        }
        return true;
    }

    public static JsonElement LastJson(BackgroundProcess process)
    {
        var line = process.Output.Split('\n').Last(l => l.StartsWith('{'));
        using var doc = JsonDocument.Parse(line);
        return doc.RootElement.Clone();
    }

    public void Dispose()
    {
        foreach (var process in _processes)
            process.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;
using Shoal.Tests.Common;

namespace Shoal.Interop.Tests;

/// <summary>
/// A daemon that follows a channel adds each version the publisher puts out by itself, keeps the
/// versions its settings say, and removes older ones with their data: over the DHT, and over an
/// HTTP feed with the DHT off.
/// </summary>
public class DaemonChannelTests
{
    [Fact]
    public async Task A_daemon_following_a_dht_channel_adds_each_new_version_points_current_at_it_and_removes_versions_past_the_kept_one()
    {
        using var swarm = new SwarmInterop();
        string net = SwarmInterop.LoopbackBlock();
        var (_, dhtPort) = await swarm.ShoalDhtNodeAsync($"{net}.1");
        string node = $"{net}.1:{dhtPort}";
        string key = Path.Combine(swarm.Dir("publisher"), "publisher.key");
        Assert.Equal(0, (await swarm.ShoalRunAsync("keygen", "-o", key)).ExitCode);
        var versions = new List<(string Torrent, string SeedDir)>();
        for (int v = 1; v <= 3; v++)
        {
            var sample = await swarm.SampleAsync($"app-v{v}", size: 200_000 + v * 1000, seed: v);
            versions.Add(sample);
            swarm.ShoalGet(sample.Torrent, sample.SeedDir, "--seed", "--dht-bootstrap", node);
        }
        string link = await PublishAsync(swarm, key, versions[0].Torrent, "--dht-bootstrap", node);

        using var daemon = await DaemonProcess.StartAsync(swarm, settings =>
        {
            settings["dht-enabled"] = true;
            settings["dht-bootstrap"] = node;
            settings["channel-poll-interval"] = 1;
            settings["channel-keep-versions"] = 1;
            settings["channels"] = new JsonArray(new JsonObject { ["link"] = link });
        });
        var channel = await WaitForVersionAsync(daemon, 1);
        string folder = (string)channel["downloadDir"]!;
        SwarmInterop.AssertSame(versions[0].SeedDir, Path.Combine(folder, "1"));
        Assert.Equal("1", new FileInfo(Path.Combine(folder, "current")).LinkTarget);

        await PublishAsync(swarm, key, versions[1].Torrent, "--dht-bootstrap", node);
        channel = await WaitForVersionAsync(daemon, 2);
        Assert.Equal([1, 2], Sequences(channel)); // one version before the current one is kept
        SwarmInterop.AssertSame(versions[1].SeedDir, Path.Combine(folder, "2"));

        await PublishAsync(swarm, key, versions[2].Torrent, "--dht-bootstrap", node);
        channel = await daemon.WaitForAsync(async () => await GetChannelAsync(daemon) is { } c && Sequences(c).SequenceEqual([2, 3]) && (long?)c["current"] == 3 ? c : null,
            60, "version 3 current and version 1 removed");
        Assert.False(Directory.Exists(Path.Combine(folder, "1", "app-v1")), "version 1's data is removed with it");
        Assert.True(File.Exists(Path.Combine(folder, "2", "app-v2")), "version 2 is kept");
        Assert.Equal("3", new FileInfo(Path.Combine(folder, "current")).LinkTarget);
        Assert.DoesNotContain("app-v1", await daemon.RemoteAsync("-l"));
        Assert.Equal("", (string?)channel["error"]);

        // What a monitoring system scrapes: the channel's versions, and the torrents by state.
        using var http = new HttpClient();
        string metrics = await http.GetStringAsync($"http://127.0.0.1:{daemon.Port}/metrics");
        string label = $"{{channel=\"{link}\"}}";
        Assert.Contains($"shoal_channel_sequence{label} 3\n", metrics);
        Assert.Contains($"shoal_channel_current_sequence{label} 3\n", metrics);
        Assert.Contains($"shoal_channel_error{label} 0\n", metrics);
        Assert.Contains("shoal_torrents{state=\"seeding\"} 2\n", metrics);
        Assert.Matches(@"shoal_downloaded_bytes_total [1-9]\d{5,}\n", metrics);
        // Every peer here is on 127.0.0.0/24, the daemon's own site: all of it came over the "LAN".
        string Value(string name) => System.Text.RegularExpressions.Regex.Match(metrics, $@"\n{name} (\d+)\n").Groups[1].Value;
        Assert.Equal(Value("shoal_downloaded_bytes_total"), Value("shoal_downloaded_from_site_bytes_total"));
    }

    [Fact]
    public async Task A_daemon_without_a_dht_follows_a_channel_served_over_http_and_a_feed_signed_by_another_key_is_refused()
    {
        using var swarm = new SwarmInterop();
        int tracker = await swarm.ShoalTrackerAsync();
        string key = Path.Combine(swarm.Dir("publisher"), "publisher.key");
        Assert.Equal(0, (await swarm.ShoalRunAsync("keygen", "-o", key)).ExitCode);
        var one = await swarm.SampleAsync("app-v1", size: 200_000, seed: 1, tracker: SwarmInterop.HttpTracker(tracker));
        var two = await swarm.SampleAsync("app-v2", size: 210_000, seed: 2, tracker: SwarmInterop.HttpTracker(tracker));
        await swarm.ShoalSeedAsync(one.Torrent, one.SeedDir);
        await swarm.ShoalSeedAsync(two.Torrent, two.SeedDir);
        var (publisher, feed, link) = await swarm.ShoalServeChannelAsync(key, one.Torrent, "127.0.0.1:0");

        using var daemon = await DaemonProcess.StartAsync(swarm, settings => settings["channel-poll-interval"] = 1);
        // Added over RPC as an administrator would, with the tracker the link names.
        var added = await daemon.RpcAsync("shoal-channel-add", new JsonObject { ["link"] = link, ["feed"] = feed });
        Assert.Contains("tr=", (string)added["channel"]!["link"]!);
        var channel = await WaitForVersionAsync(daemon, 1);
        SwarmInterop.AssertSame(one.SeedDir, Path.Combine((string)channel["downloadDir"]!, "1"));

        // kill -9 and a restart: the channel, what was seen of it and its version come back; nothing is added twice.
        await daemon.KillAndRestartAsync();
        channel = await WaitForVersionAsync(daemon, 1);
        Assert.Equal([1], Sequences(channel));
        Assert.Single((await daemon.RpcAsync("torrent-get", new JsonObject { ["fields"] = new JsonArray("id") }))["torrents"]!.AsArray());

        // The publisher restarts with version 2 on the same address.
        publisher.KillHard();
        await swarm.ShoalServeChannelAsync(key, two.Torrent, new Uri(feed).Authority);
        channel = await WaitForVersionAsync(daemon, 2);
        SwarmInterop.AssertSame(two.SeedDir, Path.Combine((string)channel["downloadDir"]!, "2"));

        // A feed at that address signed by someone else's key is refused; version 2 stays and seeds.
        string other = Path.Combine(swarm.Dir("intruder"), "intruder.key");
        Assert.Equal(0, (await swarm.ShoalRunAsync("keygen", "-o", other)).ExitCode);
        var three = await swarm.SampleAsync("app-v3", size: 220_000, seed: 3, tracker: SwarmInterop.HttpTracker(tracker));
        var (_, intruderFeed, _) = await swarm.ShoalServeChannelAsync(other, three.Torrent, "127.0.0.1:0");
        await daemon.RpcAsync("shoal-channel-remove", new JsonObject { ["ids"] = new JsonArray((int)channel["id"]!) });
        await daemon.RpcAsync("shoal-channel-add", new JsonObject { ["link"] = link, ["feed"] = intruderFeed });
        var refused = await daemon.WaitForAsync(async () => await GetChannelAsync(daemon) is { } c && ((string?)c["error"])?.Length > 0 ? c : null, 30,
            "the forged feed refused");
        Assert.Contains("not signed with the channel's key", (string)refused["error"]!);
        Assert.Empty(refused["versions"]!.AsArray());
        Assert.Contains("app-v2", await daemon.RemoteAsync("-l"));
        Assert.DoesNotContain("app-v3", await daemon.RemoteAsync("-l"));
    }

    private static async Task<string> PublishAsync(SwarmInterop swarm, string key, string torrent, params string[] extra)
    {
        var published = await swarm.ShoalRunAsync(["publish", "--key", key, "--salt", "app", torrent, "--once", "--json", "--bind", "127.0.0.1", .. extra]);
        Assert.True(published.ExitCode == 0, published.ToString());
        return JsonDocument.Parse(published.Stdout).RootElement.GetProperty("channel").GetString()!;
    }

    private static async Task<JsonObject?> GetChannelAsync(DaemonProcess daemon) =>
        (await daemon.RpcAsync("shoal-channel-get"))["channels"]!.AsArray().FirstOrDefault()?.AsObject();

    private static List<long> Sequences(JsonObject channel) => [.. channel["versions"]!.AsArray().Select(v => (long)v!["sequence"]!)];

    /// <summary>Waits until the channel's newest version is <paramref name="sequence"/>, complete, and the current one.</summary>
    private static Task<JsonObject> WaitForVersionAsync(DaemonProcess daemon, long sequence) =>
        daemon.WaitForAsync(async () => await GetChannelAsync(daemon) is { } c && c["versions"]!.AsArray().LastOrDefault() is { } newest
            && (long)newest["sequence"]! == sequence && (bool?)newest["isFinished"] == true && (long?)c["current"] == sequence ? c : null,
            90, $"version {sequence} added, complete and current");
}

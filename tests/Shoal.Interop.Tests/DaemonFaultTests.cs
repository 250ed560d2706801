using System.Text.Json.Nodes;
using Shoal.Tests.Common;

namespace Shoal.Interop.Tests;

/// <summary>The daemon killed mid-download, and a disk that fills up.</summary>
public class DaemonFaultTests
{
    private static async Task<List<(string Torrent, string SeedDir)>> SeededAsync(SwarmInterop swarm, int count, int size, params string[] seedArgs)
    {
        var torrents = new List<(string, string)>();
        for (int i = 0; i < count; i++)
            torrents.Add(await swarm.SampleAsync($"t{i}", size: size, seed: 20 + i));
        int tracker = await swarm.OpenTrackerAsync([.. torrents.Select(t => t.Item1)]);
        foreach (var (torrent, seedDir) in torrents)
        {
            SwarmInterop.SetTracker(torrent, SwarmInterop.HttpTracker(tracker));
            await swarm.ShoalSeedAsync(torrent, seedDir, seedArgs);
        }
        return torrents;
    }

    private static async Task<JsonArray> TorrentsAsync(DaemonProcess daemon, params string[] fields) =>
        (JsonArray)(await daemon.RpcAsync("torrent-get", new JsonObject { ["fields"] = new JsonArray([.. fields.Prepend("id").Select(f => (JsonNode)f)]) }))["torrents"]!;

    private static async Task<JsonArray> WaitTorrentsAsync(DaemonProcess daemon, Func<JsonArray, bool> match, int seconds, string what, params string[] fields)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var torrents = await TorrentsAsync(daemon, fields);
            if (match(torrents))
                return torrents;
            Assert.True(DateTime.UtcNow < deadline, $"never {what}: {torrents.ToJsonString()}\ndaemon:\n{daemon.Output}");
            await Task.Delay(200);
        }
    }

    private static bool[] Pieces(JsonNode torrent, int count)
    {
        var bytes = Convert.FromBase64String((string)torrent["pieces"]!);
        return [.. Enumerable.Range(0, count).Select(i => (bytes[i / 8] & (0x80 >> (i % 8))) != 0)];
    }

    [Fact]
    public async Task After_kill_9_during_three_downloads_all_complete_identical_and_no_verified_piece_is_lost()
    {
        using var swarm = new SwarmInterop();
        var torrents = await SeededAsync(swarm, 3, 3_000_000, "--max-up", "300KiB"); // about ten seconds each
        using var daemon = await DaemonProcess.StartAsync(swarm);
        foreach (var (torrent, _) in torrents)
            await daemon.RemoteAsync("-a", torrent);

        // Each torrent is held part way (a 1 KiB/s limit) as soon as it passes a fifth, so that all
        // three are mid-download at the kill however unevenly a loaded machine runs them.
        var held = new HashSet<int>();
        var before = await WaitTorrentsAsync(daemon, ts =>
        {
            foreach (var t in ts.Where(t => (double)t!["percentDone"]! >= 0.2 && held.Add((int)t!["id"]!)))
                daemon.RpcAsync("torrent-set", new JsonObject { ["ids"] = new JsonArray((int)t!["id"]!), ["downloadLimit"] = 1, ["downloadLimited"] = true }).GetAwaiter().GetResult();
            return ts.Count == 3 && held.Count == 3;
        }, 60, "all three part way", "percentDone");
        before = await TorrentsAsync(daemon, "percentDone", "pieces", "pieceCount"); // read after the limits: nothing more is verified than this (bar a block or two)
        Assert.All(before, t => Assert.InRange((double)t!["percentDone"]!, 0.2, 0.99));
        await daemon.KillAndRestartAsync();
        await daemon.RpcAsync("torrent-set", new JsonObject { ["ids"] = new JsonArray(1, 2, 3), ["downloadLimited"] = false });

        // Once checked, each has at least every piece it had verified before the kill.
        var after = await WaitTorrentsAsync(daemon, ts => ts.Count == 3 && ts.All(t => (int)t!["status"]! is 4 or 6), 60,
            "all three running again", "status", "pieces", "pieceCount");
        foreach (var old in before)
        {
            var now = after.Single(t => (int)t!["id"]! == (int)old!["id"]!)!;
            int count = (int)old!["pieceCount"]!;
            var had = Pieces(old, count);
            var has = Pieces(now, count);
            Assert.True(Enumerable.Range(0, count).All(i => !had[i] || has[i]), $"torrent {old["id"]} lost verified pieces in the kill");
        }
        await WaitTorrentsAsync(daemon, ts => ts.All(t => (double)t!["percentDone"]! == 1), 90, "all three complete", "percentDone");
        foreach (var (_, seedDir) in torrents)
            SwarmInterop.AssertSame(seedDir, daemon.DownloadDir);
    }

    [Fact]
    public async Task A_full_disk_stops_one_torrent_with_a_visible_error_and_the_other_completes()
    {
        using var swarm = new SwarmInterop();
        var torrents = await SeededAsync(swarm, 2, 3_000_000);
        string small = swarm.Dir("small-disk");
        var mounted = await ProcessRunner.Run(ProcessRunner.Require("mount"), ["-t", "tmpfs", "-o", "size=1m", "tmpfs", small]);
        Assert.True(mounted.ExitCode == 0, $"mount a 1 MiB tmpfs (needs root): {mounted}");
        try
        {
            using var daemon = await DaemonProcess.StartAsync(swarm);
            await daemon.RpcAsync("torrent-add", new JsonObject
            {
                ["metainfo"] = Convert.ToBase64String(await File.ReadAllBytesAsync(torrents[0].Torrent)),
                ["download-dir"] = small,
            });
            await daemon.RemoteAsync("-a", torrents[1].Torrent);

            var done = await WaitTorrentsAsync(daemon, ts => ts.Count == 2 && (int)ts[0]!["error"]! != 0 && (double)ts[1]!["percentDone"]! == 1, 90,
                "the first failing and the second complete", "error", "errorString", "status", "percentDone");
            Assert.Contains("space", (string)done[0]!["errorString"]!, StringComparison.OrdinalIgnoreCase);
            Assert.Equal(0, (int)done[0]!["status"]!);
            Assert.Contains("space", await daemon.RemoteAsync("-t", "1", "-i"), StringComparison.OrdinalIgnoreCase);
            SwarmInterop.AssertSame(torrents[1].SeedDir, daemon.DownloadDir);
        }
        finally
        {
            await ProcessRunner.Run("umount", ["-l", small]);
        }
    }
}

using System.Text.Json.Nodes;

namespace Shoal.Interop.Tests;

/// <summary>
/// The numbers the daemon reports over Transmission's RPC, checked against a swarm whose history
/// the test knows: one seed, found through opentracker, sending at a capped rate.
/// </summary>
public class DaemonFieldsTests
{
    private static async Task<JsonObject> TorrentAsync(DaemonProcess daemon, params string[] fields) =>
        (await daemon.RpcAsync("torrent-get", new JsonObject { ["ids"] = 1, ["fields"] = new JsonArray([.. fields.Select(f => (JsonNode)f)]) }))["torrents"]![0]!.AsObject();

    [Fact]
    public async Task While_downloading_from_a_tracker_peer_and_after_the_rpc_fields_and_transmission_remote_report_what_happened()
    {
        using var swarm = new SwarmInterop();
        var (torrent, seedDir) = await swarm.SampleAsync("data", size: 2_000_000, multi: true);
        int tracker = await swarm.OpenTrackerAsync(torrent);
        SwarmInterop.SetTracker(torrent, SwarmInterop.HttpTracker(tracker));
        await swarm.ShoalSeedAsync(torrent, seedDir, "--max-up", "256KiB"); // about 8 s: long enough to look at a download in progress
        long size = Shoal.Metainfo.TorrentParser.Load(torrent).TotalSize;
        using var daemon = await DaemonProcess.StartAsync(swarm);
        await daemon.RemoteAsync("-a", torrent);

        // Mid-download: the one peer came from the tracker, and it has everything we lack.
        var during = await daemon.WaitForAsync(async () =>
        {
            var t = await TorrentAsync(daemon, "peersConnected", "peersFrom", "desiredAvailable", "leftUntilDone", "haveValid", "status");
            return (int)t["status"]! == 4 && (int)t["peersConnected"]! == 1 && (long)t["haveValid"]! > 0 && (long)t["leftUntilDone"]! > 0 ? t : null;
        }, 60, "a download in progress from one peer");
        var from = during["peersFrom"]!.AsObject();
        Assert.Equal(1, (int)from["fromTracker"]!);
        foreach (var other in new[] { "fromCache", "fromDht", "fromIncoming", "fromLpd", "fromLtep", "fromPex" })
            Assert.Equal(0, (int)from[other]!);
        long left = (long)during["leftUntilDone"]!;
        Assert.InRange((long)during["desiredAvailable"]!, left - 16 * 16384, left); // the seed has all; a few blocks may land between the two readings
        string info = await daemon.RemoteAsync("-t", "1", "-i");
        Assert.Contains("Availability: 100%", info);
        string peers = await daemon.RemoteAsync("-t", "1", "-pi");
        Assert.Contains("127.0.0.1", peers);

        await daemon.WaitForRowAsync(1, r => r.Contains("100%") && r.Contains("Done"), 90, "completed");
        SwarmInterop.AssertSame(seedDir, daemon.DownloadDir);
        var done = await TorrentAsync(daemon, "downloadedEver", "corruptEver", "haveValid", "haveUnchecked", "recheckProgress", "desiredAvailable");
        Assert.Equal(size, (long)done["haveValid"]!);
        Assert.Equal(0, (long)done["haveUnchecked"]!);
        Assert.Equal(0, (long)done["corruptEver"]!);
        Assert.Equal(0, (long)done["desiredAvailable"]!); // nothing left to want
        Assert.Contains("Corrupt DL: None", await daemon.RemoteAsync("-t", "1", "-i"));

        // Session stats are the engine's counts: this run moved exactly what the torrent downloaded.
        var stats = await daemon.RpcAsync("session-stats");
        var current = stats["current-stats"]!.AsObject();
        Assert.Equal((long)done["downloadedEver"]!, (long)current["downloadedBytes"]!);
        Assert.InRange((long)current["downloadedBytes"]!, size, size + (size / 10));
        Assert.Equal(1, (long)current["filesAdded"]!);
        Assert.Equal(1, (long)current["sessionCount"]!);
        long up = (long)current["secondsActive"]!;
        Assert.True(up >= 1, $"secondsActive {up} after a download of several seconds");
        var session = await daemon.RpcAsync("session-get");
        Assert.Equal(60, (int)session["peer-limit-per-torrent"]!);
        Assert.Contains("Started 1 times", await daemon.RemoteAsync("-st"));
    }

    /// <summary>
    /// One swarm where each peer reaches the daemon another way: seed A from the tracker; X, a
    /// leecher that knows only A, from A's peer exchange; I, a leecher that knows only the
    /// daemon, by dialling it. X and I take no PEX and announce nowhere, so each can come only
    /// its own way; both download slowly, so they stay connected while the test looks.
    /// </summary>
    [Fact]
    public async Task Peers_from_a_tracker_from_peer_exchange_and_incoming_are_counted_each_by_its_source()
    {
        using var swarm = new SwarmInterop();
        var (torrent, seedDir) = await swarm.SampleAsync("data", size: 3_000_000);
        int tracker = await swarm.OpenTrackerAsync(torrent);
        string quiet = Path.Combine(swarm.Dir("quiet"), "no-tracker.torrent"); // the same info-hash, no tracker
        File.Copy(torrent, quiet);
        SwarmInterop.SetTracker(torrent, SwarmInterop.HttpTracker(tracker));
        SwarmInterop.SetTracker(quiet, "http://127.0.0.1:9/announce"); // nobody listens on the discard port
        var (_, seedPort) = await swarm.ShoalSeedAsync(torrent, seedDir, "--max-up", "256KiB");
        var x = swarm.ShoalGet(quiet, swarm.Dir("x"), "--peer", $"127.0.0.1:{seedPort}", "--no-pex", "--max-down", "16KiB");
        using var daemon = await DaemonProcess.StartAsync(swarm);
        await daemon.RemoteAsync("-a", torrent);
        int daemonPort = (int)(await daemon.RpcAsync("session-get"))["peer-port"]!;
        var i = swarm.ShoalGet(quiet, swarm.Dir("i"), "--peer", $"127.0.0.1:{daemonPort}", "--no-pex", "--max-down", "16KiB");

        var three = await daemon.WaitForAsync(async () =>
        {
            var t = await TorrentAsync(daemon, "peersConnected", "peersFrom");
            return (int)t["peersConnected"]! == 3 ? t : null;
        }, 90, "three peers: the seed, X heard of through PEX, and I");
        var from = three["peersFrom"]!.AsObject();
        Assert.Equal(1, (int)from["fromTracker"]!);
        Assert.Equal(1, (int)from["fromPex"]!);
        Assert.Equal(1, (int)from["fromIncoming"]!);
        foreach (var other in new[] { "fromCache", "fromDht", "fromLpd", "fromLtep" })
            Assert.Equal(0, (int)from[other]!);
        var peers = (await daemon.RemoteAsync("-t", "1", "-pi")).Split('\n').Where(l => l.StartsWith("127.0.0.1", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, peers.Count);
        Assert.Single(peers, p => p.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1].Contains('I')); // I dialled us
        Assert.False(x.HasExited, x.Output);
        Assert.False(i.HasExited, i.Output);
    }
}

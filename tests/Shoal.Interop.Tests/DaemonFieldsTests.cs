using System.Text.Json.Nodes;
using Shoal.Tests.Common;

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
    /// One swarm where each peer reaches the daemon another way: seed A from the tracker; seed D
    /// from the DHT (a Shoal DHT node of the test's, where the test announced D's address; D
    /// itself has no DHT); X, a leecher that knows only A, from A's peer exchange; I, a leecher
    /// that knows only the daemon, by dialling it. None but A announces anywhere, and D, X and I
    /// take no PEX, so each can come only its own way. The daemon downloads at 20 kB/s, so that
    /// it is still a leecher (and keeps its seeds) while the test looks. Then I is replaced by a
    /// peer on its port that the daemon dials from I's extension handshake (LTEP), and the same
    /// four come back from the resume cache alone once tracker and DHT are gone.
    /// </summary>
    [Fact]
    public async Task Peers_from_a_tracker_the_dht_peer_exchange_incoming_ltep_and_the_cache_are_counted_each_by_its_source()
    {
        using var swarm = new SwarmInterop();
        var (torrent, seedDir) = await swarm.SampleAsync("data", size: 3_000_000);
        int tracker = await swarm.OpenTrackerAsync(torrent);
        string quiet = Path.Combine(swarm.Dir("quiet"), "no-tracker.torrent"); // the same info-hash, no tracker
        File.Copy(torrent, quiet);
        SwarmInterop.SetTracker(torrent, SwarmInterop.HttpTracker(tracker));
        SwarmInterop.SetTracker(quiet, "http://127.0.0.1:9/announce"); // nobody listens on the discard port
        var hash = Shoal.Metainfo.TorrentParser.Load(torrent).InfoHashes.V1!.Value;

        var (_, nodePort) = await swarm.ShoalDhtNodeAsync("127.0.0.1");
        var node = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, nodePort);
        var (_, dPort) = await swarm.ShoalSeedAsync(quiet, seedDir, "--no-pex");
        using (var probe = new Shoal.Tests.Dht.KrpcProbe(System.Net.IPAddress.Loopback))
        {
            var id = new Shoal.Dht.NodeId(hash.Span.ToArray());
            var peers = await probe.AskAsync(probe.Query("get_peers") with { InfoHash = id }, node);
            var stored = await probe.AskAsync(probe.Query("announce_peer") with { InfoHash = id, Port = dPort, Token = peers!.Token }, node);
            Assert.Equal(Shoal.Dht.KrpcKind.Response, stored?.Kind);
        }

        var (_, seedPort) = await swarm.ShoalSeedAsync(torrent, seedDir, "--max-up", "256KiB");
        var x = swarm.ShoalGet(quiet, swarm.Dir("x"), "--peer", $"127.0.0.1:{seedPort}", "--no-pex", "--max-down", "16KiB");
        using var daemon = await DaemonProcess.StartAsync(swarm, settings =>
        {
            settings["dht-enabled"] = true;
            settings["dht-bootstrap"] = $"127.0.0.1:{nodePort}";
            settings["speed-limit-down"] = 20;
            settings["speed-limit-down-enabled"] = true;
        });
        await daemon.RemoteAsync("-a", torrent);
        int daemonPort = (int)(await daemon.RpcAsync("session-get"))["peer-port"]!;
        var i = swarm.ShoalGet(quiet, swarm.Dir("i"), "--peer", $"127.0.0.1:{daemonPort}", "--no-pex", "--max-down", "16KiB");

        var four = await daemon.WaitForAsync(async () =>
        {
            var t = await TorrentAsync(daemon, "peersConnected", "peersFrom");
            return (int)t["peersConnected"]! == 4 ? t : null;
        }, 120, "four peers: A from the tracker, D from the DHT, X heard of through PEX, and I");
        var from = four["peersFrom"]!.AsObject();
        foreach (var source in new[] { "fromTracker", "fromDht", "fromPex", "fromIncoming" })
            Assert.True((int)from[source]! == 1, $"{source}: {from.ToJsonString()}");
        foreach (var other in new[] { "fromCache", "fromLpd", "fromLtep" })
            Assert.Equal(0, (int)from[other]!);
        var rows = (await daemon.RemoteAsync("-t", "1", "-pi")).Split('\n').Where(l => l.StartsWith("127.0.0.1", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, rows.Count);
        Assert.Single(rows, r => r.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1].Contains('I')); // I dialled us
        Assert.Contains("Peers: connected to 4", await daemon.RemoteAsync("-t", "1", "-i"));
        Assert.False(x.HasExited, x.Output);
        Assert.False(i.HasExited, i.Output);

        // I leaves; a new leecher that knows nobody listens where I said it listens (its BEP 10
        // handshake's port): the daemon dials it on that word alone, an LTEP peer.
        int iPort = await i.ShoalListenPortAsync();
        i.KillHard();
        await i.WaitForExitAsync(TimeSpan.FromSeconds(10));
        await daemon.WaitForAsync(async () => (int)(await TorrentAsync(daemon, "peersConnected"))["peersConnected"]! == 3 ? "" : null, 60,
            "I's leaving seen by the daemon");
        using var again = BackgroundProcess.Shoal(swarm.Dir("state-i2"), ["get", quiet, "-o", swarm.Dir("i2"), "--bind", "127.0.0.1",
            "--port", iPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json", "--no-dht", "--no-lsd", "--no-pex", "--max-down", "16KiB"]);
        Assert.Equal(iPort, await again.ShoalListenPortAsync()); // listening where I did (the daemon's dials meanwhile back off)
        JsonObject ltep;
        try
        {
            ltep = await daemon.WaitForAsync(async () =>
            {
                var t = await TorrentAsync(daemon, "peersConnected", "peersFrom");
                return (int)t["peersConnected"]! == 4 && (int)t["peersFrom"]!["fromLtep"]! == 1 ? t : null;
            }, 120, "the daemon to dial the port I gave in its extension handshake");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nthe new peer:\n{again.Output}", e);
        }
        var fromNow = ltep["peersFrom"]!.AsObject();
        foreach (var source in new[] { "fromTracker", "fromDht", "fromPex", "fromLtep" })
            Assert.True((int)fromNow[source]! == 1, $"{source}: {fromNow.ToJsonString()}");
        Assert.Equal(0, (int)fromNow["fromIncoming"]!);

        // Stopped (its peers are saved), its tracker removed, the daemon killed and started again
        // without the DHT: the same four come back from the resume cache alone.
        await daemon.RemoteAsync("-t", "1", "-S");
        await daemon.WaitForRowAsync(1, r => r.Contains("Stopped"), 30, "stopped");
        await daemon.RpcAsync("torrent-set", new JsonObject { ["ids"] = 1, ["trackerList"] = "" });
        await daemon.KillAndRestartAsync(() =>
        {
            string path = Path.Combine(daemon.State, "settings.json");
            var settings = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            settings["dht-enabled"] = false;
            File.WriteAllText(path, settings.ToJsonString());
        });
        await daemon.RemoteAsync("-t", "1", "-s");
        var restarted = await daemon.WaitForAsync(async () =>
        {
            var t = await TorrentAsync(daemon, "peersConnected", "peersFrom");
            return (int)t["peersConnected"]! == 4 ? t : null;
        }, 120, "the four peers again, from the cache");
        var cached = restarted["peersFrom"]!.AsObject();
        Assert.True((int)cached["fromCache"]! == 4, cached.ToJsonString());
    }

    /// <summary>
    /// The fifth source, on a LAN of the test's own (local discovery needs multicast, so the
    /// daemon runs on host 2 of a namespace lab and is asked from inside it): a seed on host 1
    /// with no tracker, no DHT and no LSD of its own, announced on the LAN by the test in BEP 14's
    /// words (so that it never hears of the daemon and dials it first), counts as fromLpd.
    /// </summary>
    [Fact]
    public async Task A_peer_found_by_local_discovery_counts_as_fromLpd()
    {
        using var swarm = new SwarmInterop();
        using var lab = await NetworkLab.CreateAsync(2);
        var (torrent, seedDir) = await swarm.SampleAsync("data", size: 2_000_000);
        var seed = lab.Shoal(1, swarm.Dir("state-seed"), ["seed", torrent, seedDir, "--port", "0", "--no-dht", "--no-lsd", "--json", "--max-up", "64KiB"]);
        int seedPort = await seed.ShoalListenPortAsync();
        string hash = Shoal.Metainfo.TorrentParser.Load(torrent).InfoHashes.V1!.Value.ToHex();
        using var announcer = lab.Run(1, "/usr/bin/python3", [Path.Combine(AppContext.BaseDirectory, "Scripts", "lsd_announce.py"), lab.Address(1),
            seedPort.ToString(System.Globalization.CultureInfo.InvariantCulture), hash, "120"]);
        var (daemon, rpc) = await DaemonProcess.StartInLabAsync(swarm, lab, 2);
        var added = await lab.RunToEndAsync(2, "transmission-remote", rpc, "-a", torrent);
        Assert.True(added.ExitCode == 0, added.ToString());

        var deadline = DateTime.UtcNow.AddSeconds(90);
        JsonObject from;
        while (true)
        {
            var got = await lab.RunToEndAsync(2, "/usr/bin/python3", Path.Combine(AppContext.BaseDirectory, "Scripts", "rpc_get.py"), rpc, "peersConnected", "peersFrom");
            Assert.True(got.ExitCode == 0, got.ToString());
            var t = JsonNode.Parse(got.Stdout)!.AsObject();
            from = t["peersFrom"]!.AsObject();
            if ((int)t["peersConnected"]! == 1)
                break;
            Assert.True(DateTime.UtcNow < deadline, $"never a peer from the LAN: {t.ToJsonString()}\ndaemon:\n{daemon.Output}");
            await Task.Delay(250);
        }
        Assert.True((int)from["fromLpd"]! == 1, from.ToJsonString());
        foreach (var other in new[] { "fromCache", "fromDht", "fromIncoming", "fromLtep", "fromPex", "fromTracker" })
            Assert.Equal(0, (int)from[other]!);
        var peers = await lab.RunToEndAsync(2, "transmission-remote", rpc, "-t", "1", "-pi");
        Assert.Contains(lab.Address(1), peers.Stdout);
    }
}

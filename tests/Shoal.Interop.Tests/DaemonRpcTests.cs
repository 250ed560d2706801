using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Shoal.Interop.Tests;

/// <summary>`shoal daemon` driven by transmission-remote (Debian's transmission-cli 3.00) and by raw requests.</summary>
public class DaemonRpcTests
{
    private static async Task<(SwarmInterop Swarm, string Torrent, string SeedDir)> SeededAsync(string name, int size = 2_000_000, params string[] seedArgs)
    {
        var swarm = new SwarmInterop();
        var (torrent, seedDir) = await swarm.SampleAsync(name, size: size, multi: true);
        int tracker = await swarm.OpenTrackerAsync(torrent);
        SwarmInterop.SetTracker(torrent, SwarmInterop.HttpTracker(tracker));
        await swarm.ShoalSeedAsync(torrent, seedDir, seedArgs);
        return (swarm, torrent, seedDir);
    }

    [Fact]
    public async Task Transmission_remote_adds_a_torrent_that_completes_then_stops_starts_and_removes_it_with_its_data()
    {
        var (swarm, torrent, seedDir) = await SeededAsync("data");
        using var _ = swarm;
        using var daemon = await DaemonProcess.StartAsync(swarm);

        Assert.Contains("success", await daemon.RemoteAsync("-a", torrent));
        string row = await daemon.WaitForRowAsync(1, r => r.Contains("100%") && r.Contains("Done"), 90, "completed");
        Assert.Contains("data", row);
        SwarmInterop.AssertSame(seedDir, daemon.DownloadDir);

        await daemon.RemoteAsync("-t", "1", "-S");
        Assert.Contains("Stopped", (await daemon.ListRowAsync(1))!);
        await daemon.RemoteAsync("-t", "1", "-s");
        await daemon.WaitForRowAsync(1, r => !r.Contains("Stopped"), 30, "started again");
        Assert.Contains("Name: data", await daemon.RemoteAsync("-t", "1", "-i"));

        await daemon.RemoteAsync("-t", "1", "--remove-and-delete");
        Assert.Null(await daemon.ListRowAsync(1));
        Assert.False(Directory.Exists(Path.Combine(daemon.DownloadDir, "data")), "the data is deleted with the torrent");
        // A client polling "recently-active" (Transmission's web UI does) hears of the removal.
        var recent = await daemon.RpcAsync("torrent-get", new JsonObject { ["ids"] = "recently-active", ["fields"] = new JsonArray("id") });
        Assert.Equal([1], ((JsonArray)recent["removed"]!).Select(n => (int)n!));
    }

    [Fact]
    public async Task Transmission_remote_lists_the_peer_a_torrent_downloads_from_and_its_encrypted_connection()
    {
        // A slow seed (still sending while we look) that requires encryption: the daemon, preferring it, gets RC4.
        var (swarm, torrent, _) = await SeededAsync("data", 2_000_000, "--max-up", "100KiB", "--encryption", "require");
        using var _ = swarm;
        using var daemon = await DaemonProcess.StartAsync(swarm);
        await daemon.RemoteAsync("-a", torrent);
        string peers = await daemon.WaitForOutputAsync(o => o.Split('\n').Any(l => l.StartsWith("127.0.0.1", StringComparison.Ordinal) && l.Contains('D')),
            60, "a peer we download from", "-t", "1", "-pi");
        Assert.Contains("Shoal", peers);
        Assert.Matches(@"^127\.0\.0\.1\s+\S*D\S*E", peers.Split('\n').First(l => l.StartsWith("127.0.0.1", StringComparison.Ordinal) && l.Contains('D')));
    }

    [Fact]
    public async Task Transmission_remote_shows_adds_and_removes_trackers_and_reannounce_asks_the_tracker_again()
    {
        var (swarm, torrent, _) = await SeededAsync("data");
        using var _ = swarm;
        using var daemon = await DaemonProcess.StartAsync(swarm);
        await daemon.RemoteAsync("-a", torrent);
        string tracker = Shoal.Metainfo.TorrentParser.Load(torrent).Trackers[0][0];
        var uri = new Uri(tracker);

        string shown = await daemon.WaitForOutputAsync(o => o.Contains("Got a list of"), 60, "an announce shown", "-t", "1", "-it");
        Assert.Contains($"Tracker 0: http://{uri.Host}:{uri.Port}", shown);
        Assert.Contains("Active in tier 0", shown);

        long AnnounceStart(JsonObject got) => (long)got["torrents"]![0]!["trackerStats"]![0]!["lastAnnounceStartTime"]!;
        var fields = new JsonObject { ["ids"] = 1, ["fields"] = new JsonArray("trackerStats", "trackers") };
        // The download ends at once and says 'completed' to the tracker: wait for that announce to end,
        // then for the clock to pass its second (the times have whole seconds), before asking again.
        var settle = DateTime.UtcNow.AddSeconds(30);
        long first;
        while (true)
        {
            var got = await daemon.RpcAsync("torrent-get", new JsonObject { ["ids"] = 1, ["fields"] = new JsonArray("trackerStats", "percentDone") });
            var stats = got["torrents"]![0]!["trackerStats"]![0]!;
            first = (long)stats["lastAnnounceStartTime"]!;
            if ((double)got["torrents"]![0]!["percentDone"]! == 1 && (int)stats["announceState"]! == 1 && (long)stats["lastAnnounceTime"]! >= first)
                break;
            Assert.True(DateTime.UtcNow < settle, "the download did not complete and settle");
            await Task.Delay(100);
        }
        Assert.True(first > 0);
        while (DateTimeOffset.UtcNow.ToUnixTimeSeconds() <= first)
            await Task.Delay(50);
        await daemon.RemoteAsync("-t", "1", "--reannounce");
        // opentracker's interval is 30 minutes: only the reannounce asks again within the minute.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (AnnounceStart(await daemon.RpcAsync("torrent-get", fields.DeepClone().AsObject())) == first)
        {
            Assert.True(DateTime.UtcNow < deadline, "the tracker was not asked again after --reannounce");
            await Task.Delay(250);
        }

        await daemon.RemoteAsync("-t", "1", "-td", "http://127.0.0.1:9/announce");
        string two = await daemon.RemoteAsync("-t", "1", "-it");
        Assert.Contains("Tracker 1: http://127.0.0.1:9", two);
        await daemon.RemoteAsync("-t", "1", "-tr", "1");
        string one = await daemon.RemoteAsync("-t", "1", "-it");
        Assert.DoesNotContain("Tracker 1:", one);
        Assert.Contains("Tracker 0:", one);

        // The edited list is the torrent's own now and survives a restart.
        await daemon.RemoteAsync("-t", "1", "-td", "udp://127.0.0.1:9/announce");
        await daemon.KillAndRestartAsync();
        var list = await daemon.RpcAsync("torrent-get", new JsonObject { ["ids"] = 1, ["fields"] = new JsonArray("trackerList") });
        Assert.Equal($"{tracker}\n\nudp://127.0.0.1:9/announce", (string?)list["torrents"]![0]!["trackerList"]);
    }

    [Fact]
    public async Task With_a_download_queue_of_one_the_others_wait_and_a_freed_slot_goes_to_the_one_moved_to_the_top()
    {
        using var swarm = new SwarmInterop();
        using var daemon = await DaemonProcess.StartAsync(swarm, s => s["download-queue-size"] = 1);
        foreach (var (name, seed) in new[] { ("first", 1), ("second", 2), ("third", 3) })
        {
            var (torrent, _) = await swarm.SampleAsync(name, seed: seed); // nobody has them: they never finish
            await daemon.RemoteAsync("-a", torrent);
        }
        await daemon.WaitForRowAsync(1, r => !r.Contains("Queued") && !r.Contains("Stopped"), 30, "running");
        Assert.Contains("Queued", await daemon.ListRowAsync(2));
        Assert.Contains("Queued", await daemon.ListRowAsync(3));

        await daemon.RpcAsync("queue-move-top", new JsonObject { ["ids"] = new JsonArray(3) });
        var positions = await daemon.RpcAsync("torrent-get", new JsonObject { ["fields"] = new JsonArray("id", "queuePosition", "status") });
        Assert.Equal([(3, 0), (1, 1), (2, 2)], ((JsonArray)positions["torrents"]!).Select(t => ((int)t!["id"]!, (int)t["queuePosition"]!)).OrderBy(p => p.Item2));
        Assert.Contains("Queued", await daemon.ListRowAsync(3)); // a running torrent is not pushed out

        await daemon.RemoteAsync("-t", "1", "-S");
        await daemon.WaitForRowAsync(3, r => !r.Contains("Queued"), 30, "given the freed slot");
        Assert.Contains("Queued", await daemon.ListRowAsync(2));
        Assert.Contains("Stopped", await daemon.ListRowAsync(1));
    }

    [Fact]
    public async Task A_torrent_given_a_seed_ratio_of_zero_stops_as_finished_once_complete_and_r_removes_it_keeping_the_data()
    {
        var (swarm, torrent, seedDir) = await SeededAsync("data");
        using var _ = swarm;
        using var daemon = await DaemonProcess.StartAsync(swarm);
        await daemon.RemoteAsync("-a", torrent);
        await daemon.RemoteAsync("-t", "1", "-sr", "0");
        await daemon.WaitForRowAsync(1, r => r.Contains("Finished") && r.Contains("100%"), 90, "finished");
        SwarmInterop.AssertSame(seedDir, daemon.DownloadDir);
        var got = await daemon.RpcAsync("torrent-get", new JsonObject { ["ids"] = 1, ["fields"] = new JsonArray("isFinished", "seedRatioMode", "seedRatioLimit") });
        Assert.True((bool)got["torrents"]![0]!["isFinished"]!);
        Assert.Equal(1, (int)got["torrents"]![0]!["seedRatioMode"]!);

        await daemon.RemoteAsync("-t", "1", "-r"); // removed, the data kept
        Assert.Null(await daemon.ListRowAsync(1));
        SwarmInterop.AssertSame(seedDir, daemon.DownloadDir);
    }

    [Fact]
    public async Task Transmission_remote_adds_a_torrent_by_http_url_and_move_takes_its_data_to_a_new_folder_without_fetching_it_again()
    {
        var (swarm, torrent, seedDir) = await SeededAsync("data");
        using var _ = swarm;
        using var web = Shoal.Tests.Common.BackgroundProcess.Start("/usr/bin/python3",
            ["-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", Path.GetDirectoryName(torrent)!]);
        string serving = await web.WaitForLineAsync(l => l.Contains("Serving HTTP"), TimeSpan.FromSeconds(20), "python's http.server");
        int port = int.Parse(System.Text.RegularExpressions.Regex.Match(serving, @"port (\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        using var daemon = await DaemonProcess.StartAsync(swarm);

        Assert.Contains("success", await daemon.RemoteAsync("-a", $"http://127.0.0.1:{port}/{Path.GetFileName(torrent)}"));
        var missing = await daemon.TryRemoteAsync("-a", $"http://127.0.0.1:{port}/no-such.torrent");
        Assert.Contains("404", missing.Stdout + missing.Stderr);
        await daemon.WaitForRowAsync(1, r => r.Contains("100%") && r.Contains("Done"), 90, "completed");
        long downloaded = await DownloadedEverAsync();

        string moved = swarm.Dir("moved");
        await daemon.RemoteAsync("-t", "1", "--move", moved);
        Assert.Contains($"Location: {moved}", await daemon.RemoteAsync("-t", "1", "-i"));
        SwarmInterop.AssertSame(seedDir, moved);
        Assert.False(Directory.Exists(Path.Combine(daemon.DownloadDir, "data")), "moved, not copied");
        await daemon.WaitForRowAsync(1, r => r.Contains("100%") && !r.Contains("Verifying"), 30, "complete in its new place");
        await daemon.KillAndRestartAsync();
        await daemon.WaitForRowAsync(1, r => r.Contains("100%") && !r.Contains("Verifying"), 30, "complete after a restart");
        Assert.Equal(downloaded, await DownloadedEverAsync()); // nothing fetched again
        SwarmInterop.AssertSame(seedDir, moved);

        async Task<long> DownloadedEverAsync() =>
            (long)(await daemon.RpcAsync("torrent-get", new JsonObject { ["ids"] = 1, ["fields"] = new JsonArray("downloadedEver") }))["torrents"]![0]!["downloadedEver"]!;
    }

    [Fact]
    public async Task A_torrent_dropped_in_the_watch_folder_is_added_and_renamed_and_a_bad_one_set_aside()
    {
        using var swarm = new SwarmInterop();
        var (torrent, _) = await swarm.SampleAsync("watched");
        string watch = swarm.Dir("watch");
        using var daemon = await DaemonProcess.StartAsync(swarm, s =>
        {
            s["watch-dir-enabled"] = true;
            s["watch-dir"] = watch;
        });
        File.Copy(torrent, Path.Combine(watch, "watched.tmp"));
        File.Move(Path.Combine(watch, "watched.tmp"), Path.Combine(watch, "watched.torrent")); // appears whole, as a careful user drops it
        await File.WriteAllTextAsync(Path.Combine(watch, "junk.torrent"), "not bencode");

        Assert.Contains("watched", await daemon.WaitForRowAsync(1, _ => true, 30, "added from the watch folder"));
        await daemon.WaitForOutputAsync(_ => File.Exists(Path.Combine(watch, "junk.torrent.invalid")), 30, "the bad file set aside", "-l");
        Assert.True(File.Exists(Path.Combine(watch, "watched.torrent.added")));
        Assert.False(File.Exists(Path.Combine(watch, "watched.torrent")));
        Assert.Null(await daemon.ListRowAsync(2));
    }

    /// <summary>Flips one byte (at 70,000) of the first file over 100 kB of the downloaded "data".</summary>
    private static async Task DamageOneByteAsync(DaemonProcess daemon)
    {
        string damaged = Directory.EnumerateFiles(Path.Combine(daemon.DownloadDir, "data"), "*", SearchOption.AllDirectories)
            .First(f => new FileInfo(f).Length > 100_000);
        // Written from another program, as a disk fault or a user would: .NET's own advisory lock would refuse us.
        var wrote = await Shoal.Tests.Common.ProcessRunner.Run("/usr/bin/python3",
            ["-c", "import sys; f = open(sys.argv[1], 'r+b'); f.seek(70000); b = f.read(1); f.seek(70000); f.write(bytes([b[0] ^ 0xff]))", damaged]);
        Assert.Equal(0, wrote.ExitCode);
    }

    [Fact]
    public async Task Verify_finds_a_damaged_piece_and_the_torrent_fetches_it_again()
    {
        var (swarm, torrent, seedDir) = await SeededAsync("data");
        using var _ = swarm;
        using var daemon = await DaemonProcess.StartAsync(swarm);
        await daemon.RemoteAsync("-a", torrent);
        await daemon.WaitForRowAsync(1, r => r.Contains("100%") && r.Contains("Done"), 90, "completed");

        await DamageOneByteAsync(daemon);
        Assert.False(SwarmInterop.Same(seedDir, daemon.DownloadDir));
        await daemon.RemoteAsync("-t", "1", "-v");
        await daemon.WaitForRowAsync(1, r => r.Contains("100%") && r.Contains("Done"), 90, "complete again");
        SwarmInterop.AssertSame(seedDir, daemon.DownloadDir);
    }

    [Fact]
    public async Task Verify_of_a_stopped_torrent_checks_it_at_once_and_it_stays_stopped()
    {
        var (swarm, torrent, seedDir) = await SeededAsync("data");
        using var _ = swarm;
        using var daemon = await DaemonProcess.StartAsync(swarm);
        await daemon.RemoteAsync("-a", torrent);
        await daemon.WaitForRowAsync(1, r => r.Contains("100%") && r.Contains("Done"), 90, "completed");
        await daemon.RemoteAsync("-t", "1", "-S");
        await daemon.WaitForRowAsync(1, r => r.Contains("Stopped"), 30, "stopped");

        await DamageOneByteAsync(daemon);
        await daemon.RemoteAsync("-t", "1", "-v");

        // As Transmission: checked now, not at the next start, and still stopped afterwards.
        var parsed = Shoal.Metainfo.TorrentParser.Load(torrent);
        var fields = new JsonObject { ["ids"] = 1, ["fields"] = new JsonArray("status", "leftUntilDone", "recheckProgress", "haveValid") };
        JsonObject got = [];
        await daemon.WaitForAsync(async () =>
        {
            got = (await daemon.RpcAsync("torrent-get", fields.DeepClone().AsObject()))["torrents"]![0]!.AsObject();
            return (long)got["leftUntilDone"]! > 0 && (int)got["status"]! == 0 ? got : null;
        }, 30, "the check to find the damaged piece");
        Assert.Equal(parsed.PieceLength, (long)got["leftUntilDone"]!);
        Assert.Equal(0.0, (double)got["recheckProgress"]!);
        Assert.Contains("Stopped", await daemon.ListRowAsync(1));
    }

    [Fact]
    public async Task Transmission_remote_adds_a_magnet_whose_metadata_and_data_come_from_the_swarm()
    {
        var (swarm, torrent, seedDir) = await SeededAsync("data");
        using var _ = swarm;
        using var daemon = await DaemonProcess.StartAsync(swarm);
        var parsed = Shoal.Metainfo.TorrentParser.Load(torrent);
        var magnet = new Shoal.Metainfo.MagnetLink { InfoHashes = parsed.InfoHashes, Trackers = [.. parsed.Trackers.SelectMany(t => t)] }.ToString();

        Assert.Contains("success", await daemon.RemoteAsync("-a", magnet));
        await daemon.WaitForRowAsync(1, r => r.Contains("100%") && r.Contains("data"), 90, "completed");
        SwarmInterop.AssertSame(seedDir, daemon.DownloadDir);
    }

    [Fact]
    public async Task After_kill_9_the_daemon_brings_back_every_torrent_and_a_stopped_one_stays_stopped()
    {
        var (swarm, torrent, seedDir) = await SeededAsync("first");
        using var _ = swarm;
        var (second, _) = await swarm.SampleAsync("second", seed: 3);
        using var daemon = await DaemonProcess.StartAsync(swarm);
        await daemon.RemoteAsync("-a", torrent);
        await daemon.RemoteAsync("-a", second); // no peer for it: it stays incomplete
        await daemon.RemoteAsync("-t", "2", "-S");
        await daemon.WaitForRowAsync(1, r => r.Contains("100%"), 90, "completed");

        await daemon.KillAndRestartAsync();
        await daemon.WaitForRowAsync(1, r => r.Contains("100%") && r.Contains("Done"), 60, "back complete");
        Assert.Contains("Stopped", (await daemon.ListRowAsync(2))!);
        SwarmInterop.AssertSame(seedDir, daemon.DownloadDir);
    }

    [Fact]
    public async Task A_damaged_metainfo_file_keeps_neither_the_daemon_nor_the_other_torrents_down()
    {
        using var swarm = new SwarmInterop();
        var (first, _) = await swarm.SampleAsync("first");
        var (second, _) = await swarm.SampleAsync("second", seed: 5);
        using var daemon = await DaemonProcess.StartAsync(swarm);
        await daemon.RemoteAsync("-a", first);
        await daemon.RemoteAsync("-a", second);
        string hash = Shoal.Metainfo.TorrentParser.Load(second).InfoHashes.V1!.Value.ToHex();

        await daemon.KillAndRestartAsync(() => File.WriteAllText(Path.Combine(daemon.State, "torrents", hash + ".torrent"), "d4:junke"));
        Assert.Contains("first", (await daemon.ListRowAsync(1))!);
        Assert.Null(await daemon.ListRowAsync(2));
        Assert.Contains(hash, daemon.Output); // the log says which one was not brought back
    }

    [Fact]
    public async Task Limits_turtle_mode_encryption_wanted_files_and_start_paused_set_with_transmission_remote_show_and_survive_a_restart()
    {
        using var swarm = new SwarmInterop();
        var (torrent, _) = await swarm.SampleAsync("set", multi: true); // no tracker and no peer: it stays at 0%
        using var daemon = await DaemonProcess.StartAsync(swarm);
        await daemon.RemoteAsync("-a", torrent);
        await daemon.RemoteAsync("-d", "100");
        await daemon.RemoteAsync("--alt-speed");
        await daemon.RemoteAsync("-t", "1", "-d", "50", "-u", "20");
        await daemon.RemoteAsync("-t", "1", "-G", "0");
        await daemon.RemoteAsync("-er");
        await daemon.RemoteAsync("-pr", "2000"); // peer-limit-global
        await daemon.RemoteAsync("-t", "1", "-pr", "1500"); // this torrent's peer-limit

        for (int run = 0; run < 2; run++)
        {
            string session = await daemon.RemoteAsync("-si");
            Assert.Contains("Encryption: required", session);
            Assert.Contains("Download speed limit: 50 kB/s (Enabled limit: 100 kB/s; Enabled turtle limit: 50 kB/s)", session);
            Assert.Contains("Upload speed limit: 50 kB/s (Disabled limit: 100 kB/s; Enabled turtle limit: 50 kB/s)", session);
            Assert.Contains("Peer limit: 2000", session);
            string details = await daemon.RemoteAsync("-t", "1", "-i");
            Assert.Contains("Peer limit: 1500", details);
            Assert.Contains("Download Limit: 50 kB/s", details);
            Assert.Contains("Upload Limit: 20 kB/s", details);
            var files = (await daemon.RemoteAsync("-t", "1", "-f")).Split('\n');
            Assert.Matches(@"^\s*0:\s+0% Normal\s+No\b", files.Single(l => l.TrimStart().StartsWith("0:", StringComparison.Ordinal)));
            Assert.Matches(@"^\s*2:\s+0% Normal\s+Yes\b", files.Single(l => l.TrimStart().StartsWith("2:", StringComparison.Ordinal))); // 1 is the empty file
            if (run == 0)
                await daemon.KillAndRestartAsync();
        }
        await daemon.RemoteAsync("--no-alt-speed");
        Assert.Contains("Download speed limit: 100 kB/s (Enabled limit: 100 kB/s; Disabled turtle limit: 50 kB/s)", await daemon.RemoteAsync("-si"));
        await daemon.RemoteAsync("-t", "1", "-g", "0");
        Assert.Matches(@"^\s*0:\s+0% Normal\s+Yes\b", (await daemon.RemoteAsync("-t", "1", "-f")).Split('\n').Single(l => l.TrimStart().StartsWith("0:", StringComparison.Ordinal)));

        await daemon.RemoteAsync("--start-paused"); // torrents added from now on wait to be started
        var (other, _) = await swarm.SampleAsync("other", seed: 5);
        await daemon.RemoteAsync("-a", other);
        Assert.Contains("Stopped", await daemon.ListRowAsync(2));
    }

    [Fact]
    public async Task Files_chosen_in_torrent_add_apply_before_anything_is_fetched()
    {
        using var swarm = new SwarmInterop();
        var (torrent, _) = await swarm.SampleAsync("set", multi: true);
        using var daemon = await DaemonProcess.StartAsync(swarm);
        await daemon.RpcAsync("torrent-add", new JsonObject
        {
            ["metainfo"] = Convert.ToBase64String(await File.ReadAllBytesAsync(torrent)),
            ["files-unwanted"] = new JsonArray(0),
            ["priority-high"] = new JsonArray(2),
        });
        var files = (await daemon.RemoteAsync("-t", "1", "-f")).Split('\n');
        Assert.Matches(@"^\s*0:\s+0% Normal\s+No\b", files.Single(l => l.TrimStart().StartsWith("0:", StringComparison.Ordinal)));
        Assert.Matches(@"^\s*2:\s+0% High\s+Yes\b", files.Single(l => l.TrimStart().StartsWith("2:", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_password_is_kept_hashed_and_a_wrong_or_missing_one_gets_401()
    {
        using var swarm = new SwarmInterop();
        using var daemon = await DaemonProcess.StartAsync(swarm, s =>
        {
            s["rpc-authentication-required"] = true;
            s["rpc-username"] = "ops";
            s["rpc-password"] = "s3cret";
        });
        Assert.Contains("Sum:", await daemon.RemoteAsync("-n", "ops:s3cret", "-l"));
        foreach (var args in new[] { new[] { "-n", "ops:wrong", "-l" }, new[] { "-l" } })
        {
            var refused = await daemon.TryRemoteAsync(args);
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Contains("401", refused.Stdout + refused.Stderr);
        }
        string stored = File.ReadAllText(Path.Combine(daemon.State, "settings.json"));
        Assert.DoesNotContain("s3cret", stored);
        Assert.Contains("{pbkdf2}", stored);
    }

    [Fact]
    public async Task Pythons_transmissionrpc_adds_lists_renames_queues_tests_the_port_stops_and_removes_through_the_daemon()
    {
        using var swarm = new SwarmInterop();
        var (torrent, _) = await swarm.SampleAsync("set", multi: true);
        var (other, _) = await swarm.SampleAsync("other", size: 100_000);
        using var daemon = await DaemonProcess.StartAsync(swarm);
        var result = await Shoal.Tests.Common.ProcessRunner.Run("/usr/bin/python3",
            [Path.Combine(AppContext.BaseDirectory, "Scripts", "trpc.py"), daemon.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), torrent, other]);
        Assert.True(result.ExitCode == 0, $"{result}\ndaemon:\n{daemon.Output}");
        var steps = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToDictionary(j => (string)j["step"]!);
        Assert.Equal(17, (int?)steps["connect"]["rpc"]);
        Assert.Equal("set", (string?)steps["list"]["name"]);
        Assert.Equal(4, (int?)steps["list"]["files"]);
        Assert.Equal("renamed", (string?)steps["rename"]["name"]);
        Assert.Equal((1, 0), ((int?)steps["queue-bottom"]["position"], (int?)steps["queue-bottom"]["other"])); // moved behind the other
        Assert.Equal((0, 1), ((int?)steps["queue-top"]["position"], (int?)steps["queue-top"]["other"])); // and back in front of it
        Assert.False((bool?)steps["port"]["open"]); // nobody from another host has reached us: we do not claim an open port
        Assert.Equal("stopped", (string?)steps["stop"]["status"]);
        Assert.Equal(2, (int?)steps["stats"]["torrents"]);
        Assert.Equal([(int)steps["add"]["id"]! + 1], steps["remove"]["left"]!.AsArray().Select(n => (int)n!)); // only the other is left
    }

    [Fact]
    public async Task A_client_outside_the_allow_list_gets_403_and_a_listed_host_name_is_served()
    {
        using var swarm = new SwarmInterop();
        using var refusing = await DaemonProcess.StartAsync(swarm, s => s["rpc-whitelist"] = "192.168.*.*,10.0.0.?");
        using var http = new HttpClient();
        using (var response = await http.PostAsync($"http://127.0.0.1:{refusing.Port}/transmission/rpc", new StringContent("{}")))
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);

        using var named = await DaemonProcess.StartAsync(swarm, s => s["rpc-host-whitelist"] = "seedbox.example,*.lan");
        foreach (var (host, expected) in new[] { ("seedbox.example", HttpStatusCode.Conflict), ("box.lan", HttpStatusCode.Conflict), ("evil.example", HttpStatusCode.MisdirectedRequest) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{named.Port}/transmission/rpc") { Content = new StringContent("{}") };
            request.Headers.Host = host;
            using var response = await http.SendAsync(request);
            Assert.Equal(expected, response.StatusCode); // 409: past the host check, at the session id
        }
    }

    [Fact]
    public async Task Raw_requests_get_409_without_a_session_id_421_for_a_foreign_host_and_json_errors_for_bad_bodies()
    {
        using var swarm = new SwarmInterop();
        using var daemon = await DaemonProcess.StartAsync(swarm);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{daemon.Port}") };

        using var first = await http.PostAsync("/transmission/rpc", new StringContent("""{"method":"session-get"}"""));
        Assert.Equal(HttpStatusCode.Conflict, first.StatusCode);
        string session = first.Headers.GetValues("X-Transmission-Session-Id").Single();

        async Task<(HttpStatusCode, JsonNode?)> PostAsync(string body, string? host = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/transmission/rpc/") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.Add("X-Transmission-Session-Id", session);
            if (host is not null)
                request.Headers.Host = host;
            using var response = await http.SendAsync(request);
            string text = await response.Content.ReadAsStringAsync();
            return (response.StatusCode, response.StatusCode == HttpStatusCode.OK ? JsonNode.Parse(text) : null);
        }

        var (status, get) = await PostAsync("""{"method":"session-get","tag":7}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("success", (string?)get!["result"]);
        Assert.Equal(7, (int?)get["tag"]);
        Assert.Matches(@"^\d+\.\d+ \(\d+\)", (string?)get["arguments"]!["version"]);

        Assert.Equal(HttpStatusCode.MisdirectedRequest, (await PostAsync("""{"method":"session-get"}""", host: "evil.example:9091")).Item1);
        Assert.Equal("method name not recognized", (string?)(await PostAsync("""{"method":"torrent-frobnicate"}""")).Item2!["result"]);
        Assert.StartsWith("JSON parse error", (string?)(await PostAsync("""{"method": """)).Item2!["result"]);
        Assert.Equal("invalid or corrupt torrent file",
            (string?)(await PostAsync("""{"method":"torrent-add","arguments":{"metainfo":"ZGVhZGJlZWY="}}""")).Item2!["result"]);
        Assert.Empty((JsonArray)(await PostAsync("""{"method":"torrent-get","arguments":{"ids":[99],"fields":["id"]}}""")).Item2!["arguments"]!["torrents"]!);

        // Wrong types and impossible values: an error in the reply, never a 500.
        foreach (string body in new[]
        {
            """{"method":"free-space","arguments":{"path":5}}""",
            """{"method":"torrent-set","arguments":{"downloadLimit":"fast"}}""",
            """{"method":"torrent-get","arguments":{"fields":"id"}}""",
            """{"method":["torrent-get"]}""",
            """[1,2,3]""",
            "{\"method\":\"torrent-add\",\"arguments\":{\"metainfo\":\"" + new string('A', 17 << 20) + "\"}}", // over the 16 MiB cap
        })
        {
            var (code, reply) = await PostAsync(body);
            Assert.Equal(HttpStatusCode.OK, code);
            Assert.NotEqual("success", (string?)reply!["result"]);
        }

        // JSON-RPC 2.0 (rpc-version 18 style): snake_case names, result or error objects.
        var (_, modern) = await PostAsync("""{"jsonrpc":"2.0","method":"session_stats","id":3}""");
        Assert.Equal(3, (int?)modern!["id"]);
        Assert.Equal(0, (int?)modern["result"]!["torrent_count"]); // rpc-version 18 answers in snake_case
        Assert.NotNull(modern["result"]!["cumulative_stats"]!["uploaded_bytes"]);
        var (_, missing) = await PostAsync("""{"jsonrpc":"2.0","method":"no_such_method","id":4}""");
        Assert.Equal(-32601, (int?)missing!["error"]!["code"]);
    }
}

using Shoal.Tests.Common;

namespace Shoal.Tests.Cli;

public class TrackerCommandTests
{
    private const string Hash = "%01%02%03%04%05%06%07%08%09%0a%0b%0c%0d%0e%0f%10%11%12%13%14";

    /// <summary>A `shoal tracker` on a port it picks (--port 0), with the port it reports.</summary>
    private static async Task<(BackgroundProcess Process, int Port)> StartAsync(string stateDir, params string[] extra)
    {
        var tracker = BackgroundProcess.Shoal(stateDir, ["tracker", "--bind", "127.0.0.1", "--port", "0", .. extra]);
        return (tracker, await tracker.ShoalTrackerPortAsync());
    }

    [Theory]
    [InlineData("tracker")]
    [InlineData("daemon")]
    public async Task Started_in_a_deep_directory_tree_it_watches_none_of_it(string verb)
    {
        // ASP.NET Core's default appsettings.json reload watches the working directory and
        // every directory below it: started in /tmp or / that was thousands of inotify watches.
        string dir = TestData.TempDir();
        string tree = Path.Combine(dir, "tree");
        for (int i = 0; i < 100; i++)
            Directory.CreateDirectory(Path.Combine(tree, $"d{i}", "sub"));
        File.WriteAllText(Path.Combine(dir, "settings.json"), """{"dht-enabled": false, "lpd-enabled": false, "peer-port": 0}""");
        string[] args = verb == "tracker"
            ? ["tracker", "--bind", "127.0.0.1", "--port", "0"]
            : ["daemon", "--state", dir, "--rpc-port", "0"];
        using var process = BackgroundProcess.Start("dotnet", [Path.Combine(AppContext.BaseDirectory, "shoal.dll"), .. args],
            new Dictionary<string, string> { ["SHOAL_STATE_DIR"] = dir }, workingDirectory: tree);
        if (verb == "tracker")
            await process.ShoalTrackerPortAsync();
        else
            await process.WaitForLineAsync(l => l.Contains("/transmission/rpc", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "the daemon's start line");

        int watches = Directory.GetFiles($"/proc/{process.Id}/fdinfo").Sum(InotifyWatches);

        Assert.InRange(watches, 0, 10);
    }

    /// <summary>The inotify watches an /proc/PID/fdinfo entry lists; 0 for a descriptor closed since it was listed.</summary>
    private static int InotifyWatches(string fdinfo)
    {
        try
        {
            return File.ReadLines(fdinfo).Count(line => line.StartsWith("inotify wd:", StringComparison.Ordinal));
        }
        catch (FileNotFoundException)
        {
            return 0;
        }
    }

    [Fact]
    public async Task Sigterm_stops_cleanly_and_the_state_file_keeps_completed_counts()
    {
        string dir = TestData.TempDir();
        string state = Path.Combine(dir, "tracker.state");
        var (first, firstPort) = await StartAsync(dir, "--state", state);
        using (first)
        {
            using var before = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{firstPort}") };
            var reply = await before.GetStringAsync($"/announce?info_hash={Hash}&peer_id=-XX0001-abcdefghijkl&port=6881&left=0&event=completed");
            Assert.Contains("8:interval", reply);
            await ProcessRunner.Run("kill", ["-TERM", first.Id.ToString()]);
            Assert.Equal(0, await first.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }
        var (second, port) = await StartAsync(dir, "--state", state);
        using var _ = second;
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var scrape = await http.GetStringAsync($"/scrape?info_hash={Hash}");
        Assert.Contains("10:downloadedi1e", scrape);
        var stats = await http.GetStringAsync("/stats");
        Assert.Contains("\"udp\"", stats);
        var metrics = await http.GetStringAsync("/metrics");
        Assert.Contains("shoal_tracker_announces_total{protocol=\"http\"}", metrics);
    }

    [Fact]
    public async Task The_allow_list_is_enforced_and_reloaded_when_it_changes()
    {
        string dir = TestData.TempDir();
        string list = Path.Combine(dir, "allow.txt");
        File.WriteAllText(list, "# nothing yet\n");
        var (tracker, port) = await StartAsync(dir, "--allow-list", list);
        using var _ = tracker;
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        string announce = $"/announce?info_hash={Hash}&peer_id=-XX0001-abcdefghijkl&port=6881&left=0";
        Assert.Contains("torrent not served by this tracker", await http.GetStringAsync(announce));
        File.WriteAllText(list, "0102030405060708090a0b0c0d0e0f1011121314\n");
        File.SetLastWriteTimeUtc(list, DateTime.UtcNow.AddSeconds(5));
        var deadline = DateTime.UtcNow.AddSeconds(20);
        string reply;
        while ((reply = await http.GetStringAsync(announce)).Contains("failure reason"))
        {
            Assert.True(DateTime.UtcNow < deadline, "the allow-list was not reloaded");
            await Task.Delay(200);
        }
        Assert.Contains("8:interval", reply);
    }

    [Fact]
    public async Task Private_mode_needs_a_known_passkey_and_keeps_per_user_totals()
    {
        string dir = TestData.TempDir();
        string db = Path.Combine(dir, "users.db");
        var added = await ProcessRunner.Shoal("tracker", "user", "add", "alice", "--db", db);
        Assert.True(added.ExitCode == 0, added.ToString());
        string key = added.Stdout.Trim();
        Assert.Matches("^[0-9a-f]{32}$", key);
        var again = await ProcessRunner.Shoal("tracker", "user", "add", "alice", "--db", db);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("already exists", again.Stderr);

        const string HashHex = "0102030405060708090a0b0c0d0e0f1011121314", OtherHex = "ffffffffffffffffffffffffffffffffffffffff";
        string other = string.Concat(Enumerable.Range(0, 20).Select(_ => "%ff"));
        var bob = await ProcessRunner.Shoal("tracker", "user", "add", "bob", "--all", "--db", db);
        Assert.True(bob.ExitCode == 0, bob.ToString());
        string bobKey = bob.Stdout.Trim();
        Assert.Equal(0, (await ProcessRunner.Shoal("tracker", "user", "grant", "alice", HashHex, "--db", db)).ExitCode);
        Assert.NotEqual(0, (await ProcessRunner.Shoal("tracker", "user", "grant", "nobody", HashHex, "--db", db)).ExitCode);
        Assert.NotEqual(0, (await ProcessRunner.Shoal("tracker", "user", "grant", "alice", "not-a-hash", "--db", db)).ExitCode);

        var (tracker, port) = await StartAsync(dir, "--private", "--db", db);
        using (tracker)
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            string query = $"?info_hash={Hash}&peer_id=-XX0001-abcdefghijkl&port=6881&left=10&downloaded=";
            Assert.Contains("private tracker: use /announce/<your passkey>", await http.GetStringAsync("/announce" + query + "0"));
            Assert.Contains("unknown passkey", await http.GetStringAsync($"/announce/{new string('0', 32)}" + query + "0"));
            Assert.Contains("8:interval", await http.GetStringAsync($"/announce/{key}" + query + "0&event=started"));
            Assert.Contains("8:interval", await http.GetStringAsync($"/announce/{key}" + query + "5000"));

            // Alice was granted one torrent: another one is refused, and her scrape leaves it out.
            string otherQuery = $"?info_hash={other}&peer_id=-XX0001-abcdefghijkl&port=6882&left=10";
            Assert.Contains("torrent not granted to this passkey", await http.GetStringAsync($"/announce/{key}" + otherQuery));
            Assert.Contains("8:interval", await http.GetStringAsync($"/announce/{bobKey}" + otherQuery)); // bob sees every torrent
            Assert.Equal(2, CountFiles(await http.GetByteArrayAsync($"/scrape/{bobKey}")));
            Assert.Equal(1, CountFiles(await http.GetByteArrayAsync($"/scrape/{key}")));

            // A grant made while the tracker runs takes effect within a few seconds.
            Assert.Equal(0, (await ProcessRunner.Shoal("tracker", "user", "grant", "alice", OtherHex, "--db", db)).ExitCode);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            while (!(await http.GetStringAsync($"/announce/{key}" + otherQuery)).Contains("8:interval", StringComparison.Ordinal))
            {
                Assert.True(DateTime.UtcNow < deadline, "the new grant never took effect");
                await Task.Delay(200);
            }
            await ProcessRunner.Run("kill", ["-TERM", tracker.Id.ToString()]);
            Assert.Equal(0, await tracker.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }
        var list = await ProcessRunner.Shoal("tracker", "user", "list", "--db", db);
        Assert.Contains($"alice\t{key}\tup 0 B\tdown 4.88 KiB\t2 torrents", list.Stdout);
        Assert.Contains($"bob\t{bobKey}\tup 0 B\tdown 0 B\tall torrents", list.Stdout);
        Assert.Equal(0, (await ProcessRunner.Shoal("tracker", "user", "revoke", "alice", OtherHex, HashHex, "--db", db)).ExitCode);
        Assert.Contains("\t0 torrents", (await ProcessRunner.Shoal("tracker", "user", "list", "--db", db)).Stdout);
        Assert.Equal(0, (await ProcessRunner.Shoal("tracker", "user", "remove", "alice", "--db", db)).ExitCode);
        Assert.DoesNotContain("alice", (await ProcessRunner.Shoal("tracker", "user", "list", "--db", db)).Stdout);
    }

    /// <summary>How many torrents a bencoded scrape reply lists.</summary>
    private static int CountFiles(byte[] reply) =>
        Shoal.Bencode.BencodeReader.Decode(reply) is Shoal.Bencode.BDictionary d && d["files"] is Shoal.Bencode.BDictionary files ? files.Count : -1;

    [Fact]
    public void A_private_udp_announce_carries_its_passkey_in_bep41_url_data()
    {
        byte[] options = [1, 2, 10, .. "/announce/"u8, 2, 4, .. "abcd"u8, 0, 2, 3, .. "xyz"u8];
        Assert.Equal("/announce/abcd", Shoal.Tracker.UdpTrackerProtocol.UrlData(options));
        Assert.Null(Shoal.Tracker.UdpTrackerProtocol.UrlData([2, 50, 1]));
        Assert.Null(Shoal.Tracker.UdpTrackerProtocol.UrlData([]));
    }
}

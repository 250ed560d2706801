using System.Net;
using System.Net.Sockets;
using Shoal.Tests.Common;
using Shoal.Tracker;
using Shoal.Trackers;

namespace Shoal.Interop.Tests;

/// <summary>
/// The tracker's Redis store against Debian's redis-server, started by each test on its own
/// port: the same answers as the in-process store, and several `shoal tracker` processes on one
/// Redis that answer for the same swarms, one of them killed with SIGKILL.
/// </summary>
public class RedisTrackerTests
{
    /// <summary>A throwaway redis-server on 127.0.0.1, no persistence; the URL to reach it.</summary>
    private static async Task<(BackgroundProcess Process, string Url)> StartRedisAsync()
    {
        var (process, port) = await BackgroundProcess.StartOnSomePortAsync(Redis);
        return (process, $"redis://127.0.0.1:{port}");
    }

    private static BackgroundProcess Redis(int port)
    {
        string dir = Path.Combine(Path.GetTempPath(), "shoal-redis-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return BackgroundProcess.Start(ProcessRunner.Require("redis-server"),
            ["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Random_announces_stops_and_expiry_agree_with_the_model_in_redis(int seed)
    {
        var (redis, url) = await StartRedisAsync();
        using var _ = redis;
        var clock = new ManualClock();
        using var store = RedisSwarmStore.Connect(url, clock, TimeSpan.FromMinutes(10));
        SwarmStoreContract.RandomAnnouncesAgreeWithAModel(store, clock, seed);
    }

    [Fact]
    public async Task The_redis_store_samples_the_announcers_site_first_keeps_seeds_from_seeds_and_counts_traffic()
    {
        var (redis, url) = await StartRedisAsync();
        using var _ = redis;
        using (var sites = RedisSwarmStore.Connect(url, prefix: "sites:"))
            SwarmStoreContract.OwnSiteFirst(map => RedisSwarmStore.Connect(url, sites: map, prefix: "sites:"));
        using (var seeds = RedisSwarmStore.Connect(url, prefix: "seeds:"))
            SwarmStoreContract.SeedsGetNoSeedsAndNumwantIsHonoured(seeds);
        using var traffic = RedisSwarmStore.Connect(url, prefix: "traffic:");
        SwarmStoreContract.TrafficDeltas(traffic);
    }

    [Fact]
    public async Task Two_trackers_on_one_redis_answer_for_the_same_swarm_and_one_killed_loses_nothing()
    {
        var (redis, url) = await StartRedisAsync();
        using var _ = redis;
        string state = Path.Combine(Path.GetTempPath(), "shoal-trackers-" + Guid.NewGuid().ToString("N"));
        BackgroundProcess Tracker() => BackgroundProcess.Shoal(state, "tracker", "--port", "0", "--bind", "127.0.0.1", "--store", url, "--interval", "1m");
        using var a = Tracker();
        using var b = Tracker();
        int portA = await a.ShoalTrackerPortAsync(), portB = await b.ShoalTrackerPortAsync();
        byte[] hash = [.. Enumerable.Range(1, 20).Select(i => (byte)i)];
        var http = new HttpClient();
        Task<AnnounceResponse> Announce(int port, int peerPort, long left, TrackerEvent e = TrackerEvent.Started) =>
            new HttpTrackerClient(new Uri($"http://127.0.0.1:{port}/announce"), http)
                .AnnounceAsync(new AnnounceRequest(hash, new byte[20], peerPort, 0, 0, left, e, 50, 1), CancellationToken.None);

        await Announce(portA, 7001, left: 0);
        var fromB = await Announce(portB, 7002, left: 100);
        Assert.Equal([new IPEndPoint(IPAddress.Loopback, 7001)], fromB.Peers);
        Assert.Equal(((int?)1, (int?)1), (fromB.Seeders, fromB.Leechers));

        // A UDP connection id one tracker issued is good at the other (they share its secret in Redis).
        using (var udp = new UdpClient(AddressFamily.InterNetwork))
        {
            udp.Client.ReceiveTimeout = 10_000;
            udp.Send(UdpTrackerPacket.Connect(5), new IPEndPoint(IPAddress.Loopback, portA));
            IPEndPoint? from = null;
            long id = UdpTrackerPacket.ParseConnect(udp.Receive(ref from));
            var request = new AnnounceRequest(hash, new byte[20], 7003, 0, 0, 100, TrackerEvent.Started, 50, 2);
            udp.Send(UdpTrackerPacket.Announce(id, 6, request), new IPEndPoint(IPAddress.Loopback, portB));
            byte[] reply = udp.Receive(ref from);
            Assert.True(UdpTrackerPacket.CheckReply(reply, UdpTrackerPacket.ActionAnnounce, 6), System.Text.Encoding.UTF8.GetString(reply.AsSpan(Math.Min(8, reply.Length))));
            var viaUdp = UdpTrackerPacket.ParseAnnounce(reply, ipv6: false);
            Assert.Equal(new[] { 7001, 7002 }, viaUdp.Peers.Select(p => p.Port).Order());
        }

        a.KillHard();
        using var again = Tracker();
        int portAgain = await again.ShoalTrackerPortAsync();
        var afterKill = await Announce(portAgain, 7004, left: 100);
        Assert.Equal(new[] { 7001, 7002, 7003 }, afterKill.Peers.Select(p => p.Port).Order());
        Assert.Equal(((int?)1, (int?)3), (afterKill.Seeders, afterKill.Leechers));
        await Announce(portB, 7002, left: 0, TrackerEvent.Completed);
        var scrape = await new HttpTrackerClient(new Uri($"http://127.0.0.1:{portAgain}/announce"), http).ScrapeAsync(hash, CancellationToken.None);
        Assert.Equal((2, 2, 1), (scrape!.Seeders, scrape.Leechers, scrape.Completed));
    }

    [Fact]
    public async Task A_transmission_seed_and_a_libtorrent_leecher_announcing_to_two_trackers_on_one_redis_find_each_other()
    {
        var (redis, url) = await StartRedisAsync();
        using var _ = redis;
        using var swarm = new SwarmInterop();
        string state = swarm.Dir("trackers");
        BackgroundProcess Tracker() => swarm.Track(BackgroundProcess.Shoal(state, "tracker", "--port", "0", "--bind", "127.0.0.1", "--store", url, "--interval", "5s"));
        int portA = await Tracker().ShoalTrackerPortAsync(), portB = await Tracker().ShoalTrackerPortAsync();

        // One torrent, two copies of its file: each client is told of its own tracker only.
        var (torrent, seedDir) = await swarm.SampleAsync("data");
        string viaB = Path.Combine(swarm.Dir("b"), "data.torrent");
        File.Copy(torrent, viaB);
        SwarmInterop.SetTracker(torrent, SwarmInterop.HttpTracker(portA));
        SwarmInterop.SetTracker(viaB, SwarmInterop.HttpTracker(portB));
        await swarm.TransmissionAsync(torrent, seedDir); // Transmission checks the data, seeds and announces to A
        var hash = Shoal.Metainfo.TorrentParser.Load(torrent).InfoHashes.V1!.Value.Span.ToArray();
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await new HttpTrackerClient(new Uri(SwarmInterop.HttpTracker(portB)), http).ScrapeAsync(hash, CancellationToken.None))?.Seeders != 1)
        {
            Assert.True(DateTime.UtcNow < deadline, "Transmission's announce to tracker A never showed at tracker B");
            await Task.Delay(250);
        }
        // libtorrent asks B, hears of Transmission from what A wrote in Redis, and dials it.
        string dir = swarm.Dir("lt");
        var (leecher, _) = await swarm.LibtorrentAsync("leech", viaB, dir, "--exit-when-done");
        await SwarmInterop.WaitLibtorrentDoneAsync(leecher);
        SwarmInterop.AssertSame(seedDir, dir);
    }

    [Fact]
    public async Task While_redis_is_down_announces_get_a_failure_reason_and_once_it_is_back_they_are_served_again()
    {
        var (redis, url) = await StartRedisAsync();
        int redisPort = new Uri(url).Port;
        using var tracker = BackgroundProcess.Shoal(Path.Combine(Path.GetTempPath(), "shoal-trackers-" + Guid.NewGuid().ToString("N")),
            "tracker", "--port", "0", "--bind", "127.0.0.1", "--store", url);
        int port = await tracker.ShoalTrackerPortAsync();
        var http = new HttpClient();
        var client = new HttpTrackerClient(new Uri($"http://127.0.0.1:{port}/announce"), http);
        var request = new AnnounceRequest([.. Enumerable.Range(1, 20).Select(i => (byte)i)], new byte[20], 7001, 0, 0, 5, TrackerEvent.Started, 50, 1);
        await client.AnnounceAsync(request, CancellationToken.None);

        redis.KillHard();
        redis.Dispose();
        var refused = await Assert.ThrowsAsync<TrackerException>(() => client.AnnounceAsync(request, CancellationToken.None));
        Assert.Contains(RedisSwarmStore.UnavailableReason, refused.Message);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync($"http://127.0.0.1:{port}/stats")).StatusCode);
        Assert.False(tracker.HasExited);

        using var back = Redis(redisPort);
        await back.ListeningPortAsync(TimeSpan.FromSeconds(10), redisPort);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                var answer = await client.AnnounceAsync(request with { Port = 7002 }, CancellationToken.None);
                Assert.Equal(((int?)0, (int?)1), (answer.Seeders, answer.Leechers)); // the new Redis is empty: only this peer
                break;
            }
            catch (TrackerException e) when (e.Message.Contains(RedisSwarmStore.UnavailableReason, StringComparison.Ordinal) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(250);
            }
        }
    }

    [Fact]
    public async Task A_tracker_pointed_at_a_port_without_redis_says_so_and_exits()
    {
        // A port nobody listens on: the store refuses to start rather than serving from nothing.
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var result = await ProcessRunner.Shoal("tracker", "--port", "0", "--bind", "127.0.0.1", "--store", $"redis://127.0.0.1:{port}");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("cannot reach Redis", result.Stderr);
    }
}

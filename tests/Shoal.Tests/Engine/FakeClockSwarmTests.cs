using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using Shoal.Tracker;
using Shoal.Wire;

namespace Shoal.Tests.Engine;

/// <summary>Time-driven swarm rules on a fake clock: the sockets are real, the seconds are not.</summary>
public class FakeClockSwarmTests
{
    [Fact]
    public async Task A_peer_that_leaves_requests_unanswered_for_twenty_seconds_is_snubbed()
    {
        await using var h = new EngineHarness();
        var (torrent, _) = await h.CreateAsync("data.bin", [("data.bin", 300_000)]);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int requests = 0;
        // A peer that has everything and unchokes, but never sends a block.
        var silent = Task.Run(async () =>
        {
            using var peer = await ScriptedPeer.AcceptAsync(listener, torrent.InfoHashes.Primary.Span.ToArray());
            await peer.SendAsync(b => PeerWire.WriteSimple(b, MessageId.HaveAll));
            while (await peer.ReadAsync(TimeSpan.FromSeconds(60)) is { } message)
            {
                if (message.Id == MessageId.Interested)
                    await peer.SendAsync(b => PeerWire.WriteSimple(b, MessageId.Unchoke));
                if (message.Id == MessageId.Request)
                    Interlocked.Increment(ref requests);
            }
        });
        var time = new FakeTimeProvider();
        var leecher = await h.ClientAsync(o => o with { Time = time, Transport = TransportPolicy.Tcp }); // the scripted peer speaks TCP only; a uTP try would wait on the fake clock
        var leech = leecher.Add(torrent, h.NewDir(), new TorrentOptions { Peers = [(IPEndPoint)listener.LocalEndpoint] });
        await leech.StartAsync();
        await EngineHarness.WaitUntilAsync(() => Volatile.Read(ref requests) > 0, 30, "requests at the silent peer");
        Assert.False(leech.GetPeers().Single().Snubbed);

        for (int second = 0; second < 19; second++)
            time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(leech.GetPeers().Single().Snubbed);
        for (int second = 0; second < 3; second++)
            time.Advance(TimeSpan.FromSeconds(1));
        await EngineHarness.WaitUntilAsync(() => leech.GetPeers().Single().Snubbed, 10, "the silent peer to be snubbed");
        await leecher.DisposeAsync();
    }

    [Fact]
    public async Task Dialling_stops_at_two_thirds_of_the_connection_limit_and_the_rest_is_for_peers_that_dial_in()
    {
        await using var h = new EngineHarness();
        var (torrent, _) = await h.CreateAsync("data.bin", [("data.bin", 100_000)]);
        byte[] hash = torrent.InfoHashes.Primary.Span.ToArray();
        var listeners = Enumerable.Range(0, 6).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        int accepted = 0;
        var held = new System.Collections.Concurrent.ConcurrentBag<ScriptedPeer>();
        try
        {
            for (int i = 0; i < listeners.Count; i++)
            {
                var listener = listeners[i];
                listener.Start();
                byte[] id = ScriptedPeer.NumberedId(i);
                _ = Task.Run(async () =>
                {
                    try
                    {
                        held.Add(await ScriptedPeer.AcceptAsync(listener, hash, id));
                        Interlocked.Increment(ref accepted);
                    }
                    catch (Exception e) when (e is SocketException or ObjectDisposedException)
                    {
                        // the listeners the leecher never dials are stopped at the end
                    }
                });
            }
            var time = new FakeTimeProvider();
            var leecher = await h.ClientAsync(o => o with { Time = time, Transport = TransportPolicy.Tcp });
            var leech = leecher.Add(torrent, h.NewDir(), new TorrentOptions
            {
                MaxConnections = 6,
                Peers = [.. listeners.Select(l => (IPEndPoint)l.LocalEndpoint)],
            });
            await leech.StartAsync();
            await EngineHarness.WaitUntilAsync(() => leech.GetPeers().Count == 4, 30, "4 dialled peers");
            for (int second = 0; second < 3; second++)
                time.Advance(TimeSpan.FromSeconds(1)); // ticks dial while there is room: there is none

            for (int i = 0; i < 2; i++)
                held.Add(await ScriptedPeer.ConnectAsync(EngineHarness.EndPoint(leecher), hash, id: ScriptedPeer.NumberedId(10 + i)));
            await EngineHarness.WaitUntilAsync(() => leech.GetPeers().Count == 6, 30, "the two peers that dialled in");

            Assert.Equal(4, Volatile.Read(ref accepted));
            await leecher.DisposeAsync();
        }
        finally
        {
            foreach (var listener in listeners)
                listener.Stop();
            foreach (var peer in held)
                peer.Dispose();
        }
    }

    [Fact]
    public async Task Peers_from_a_trackers_answer_are_dialled_at_once_not_at_the_next_tick()
    {
        await using var h = new EngineHarness();
        await using var tracker = new TrackerServer(new TrackerOptions { Bind = [IPAddress.Loopback], Port = 0, Interval = TimeSpan.FromMinutes(5) });
        await tracker.StartAsync();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 100_000)], trackers: [[$"http://127.0.0.1:{tracker.Port}/announce"]]);
        var seeder = await h.ClientAsync();
        var seed = seeder.Add(torrent, seedDir);
        await seed.StartAsync();
        await EngineHarness.WaitUntilAsync(() => tracker.Store.Totals().Seeders == 1, 30, "the seed's announce");

        var time = new FakeTimeProvider(); // never advanced: the tick that runs at start comes before the tracker's answer, and no other comes
        var leecher = await h.ClientAsync(o => o with { Time = time, Transport = TransportPolicy.Tcp });
        var leech = leecher.Add(torrent, h.NewDir());
        await leech.StartAsync();

        await EngineHarness.WaitUntilAsync(() => leech.GetPeers().Count == 1, 30, "the seed from the tracker's answer to be connected");
        await leecher.DisposeAsync();
    }
}

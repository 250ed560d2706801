using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
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
}

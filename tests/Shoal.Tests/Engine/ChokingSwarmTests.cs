using Shoal.Bencode;
using Shoal.Extensions;
using Shoal.Peers;
using Shoal.Wire;

namespace Shoal.Tests.Engine;

public class ChokingSwarmTests
{
    [Fact]
    public async Task A_seed_with_more_interested_leechers_than_slots_unchokes_at_most_five_and_everyone_finishes()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 400_000)], pieceLength: 16 * 1024);
        var seeder = await h.ClientAsync(o => o with { MaxUploadRate = 600 * 1024 });
        var seed = seeder.Add(torrent, seedDir);
        await seed.StartAsync();
        await EngineHarness.WaitCompleteAsync(seed);
        var leechers = new List<TorrentSession>();
        for (int i = 0; i < 9; i++)
        {
            var client = await h.ClientAsync();
            leechers.Add(client.Add(torrent, h.NewDir(), new TorrentOptions { Peers = [EngineHarness.EndPoint(seeder)] }));
        }
        foreach (var leech in leechers)
            await leech.StartAsync();

        int maxUnchoked = 0, maxUnchokedSeenByLeechers = 0, mostWaiting = 0, previousSeen = 0;
        var all = Task.WhenAll(leechers.Select(l => l.Completed));
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (!all.IsCompleted)
        {
            Assert.True(DateTime.UtcNow < deadline, "the leechers did not finish: " + string.Join("; ", leechers.Select(l => l.GetStatus())));
            var peers = seed.GetPeers();
            maxUnchoked = Math.Max(maxUnchoked, peers.Count(p => !p.AmChoking && p.PeerInterested));
            mostWaiting = Math.Max(mostWaiting, peers.Count(p => p.AmChoking && p.PeerInterested));
            // From the outside: how many leechers that still want data hear "unchoked" from the seed.
            // A swap (a choke to one, an unchoke to another) is in flight for a moment, so a count
            // must hold in two samples in a row to count.
            int seen = leechers.Count(l => l.GetPeers().Any(p => p.EndPoint.Port == seeder.ListenPort && !p.PeerChoking && p.AmInterested));
            maxUnchokedSeenByLeechers = Math.Max(maxUnchokedSeenByLeechers, Math.Min(seen, previousSeen));
            previousSeen = seen;
            await Task.Delay(20);
        }
        Assert.InRange(maxUnchoked, 1, 5);
        Assert.InRange(maxUnchokedSeenByLeechers, 1, 5);
        Assert.True(mostWaiting >= 1, "no interested leecher ever had to wait for a slot");
        foreach (var leech in leechers)
            EngineHarness.AssertSameFiles(torrent, seedDir, leech.SaveDirectory);
    }

    /// <summary>A made-up extension: says hello once to every peer that supports it and records hellos.</summary>
    private sealed class HelloExtension : IPeerExtension
    {
        public List<string> Heard { get; } = [];
        public string Name => "shoal_hello";
        public void AddHandshakeKeys(BDictionary handshake, SwarmPeer peer) => handshake.Set("hello_version", 1);
        public void OnHandshake(SwarmPeer peer, ExtensionHandshake remote)
        {
            if (remote.Raw?["hello_version"] is BInteger { Value: 1 })
                ExtensionRegistry.Send(peer, Name, "hello"u8);
        }
        public void OnMessage(SwarmPeer peer, ReadOnlySpan<byte> payload)
        {
            lock (Heard)
                Heard.Add(System.Text.Encoding.ASCII.GetString(payload));
        }
        public void OnDisconnected(SwarmPeer peer)
        {
        }
    }

    [Fact]
    public async Task A_registered_extension_adds_its_keys_to_the_handshake_and_gets_its_own_messages()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 100_000)]);
        var seedHello = new HelloExtension();
        var leechHello = new HelloExtension();
        var seeder = await h.ClientAsync();
        seeder.AddExtension(_ => seedHello);
        await seeder.Add(torrent, seedDir).StartAsync();
        var leecher = await h.ClientAsync();
        leecher.AddExtension(_ => leechHello);
        var leech = leecher.Add(torrent, h.NewDir(), new TorrentOptions { Peers = [EngineHarness.EndPoint(seeder)] });
        await leech.StartAsync();
        await EngineHarness.WaitUntilAsync(() => { lock (seedHello.Heard) lock (leechHello.Heard) return seedHello.Heard.Count > 0 && leechHello.Heard.Count > 0; },
            30, "hellos both ways");
        Assert.Equal(["hello"], seedHello.Heard);
        Assert.Equal(["hello"], leechHello.Heard);
        await EngineHarness.WaitCompleteAsync(leech);
    }
}

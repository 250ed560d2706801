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

    [Fact]
    public async Task An_uncapped_seed_unchokes_every_interested_leecher_when_each_new_slot_adds_what_its_leecher_asks()
    {
        // Twelve leechers each capped at 64 KiB/s: the seed's default four slots would leave its
        // uplink mostly idle; each slot it adds carries its leecher's whole rate, so it opens more.
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 4 << 20)], pieceLength: 64 * 1024);
        var seeder = await h.ClientAsync();
        var seed = seeder.Add(torrent, seedDir);
        await seed.StartAsync();
        await EngineHarness.WaitCompleteAsync(seed);
        for (int i = 0; i < 12; i++)
        {
            var client = await h.ClientAsync(o => o with { MaxDownloadRate = 64 * 1024 });
            await client.Add(torrent, h.NewDir(), new TorrentOptions { Peers = [EngineHarness.EndPoint(seeder)] }).StartAsync();
        }
        await EngineHarness.WaitUntilAsync(() => seed.GetPeers().Count(p => p.PeerInterested) == 12, 30, "the twelve leechers to be interested");
        await EngineHarness.WaitUntilAsync(() => seed.GetPeers().Count(p => !p.AmChoking && p.PeerInterested) == 12, 30,
            "the seed to unchoke all twelve (default slots: 4 and an optimistic one)");
    }

    [Fact]
    public async Task At_its_connection_limit_a_client_closes_a_new_connection_before_reading_anything_from_it()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 64 * 1024)]);
        var seeder = await h.ClientAsync(o => o with { ConnectTimeout = TimeSpan.FromSeconds(60) });
        var seed = seeder.Add(torrent, seedDir, new TorrentOptions { MaxConnections = 1 });
        await seed.StartAsync();
        await EngineHarness.WaitCompleteAsync(seed);
        using var first = await ScriptedPeer.ConnectAsync(EngineHarness.EndPoint(seeder), torrent.InfoHashes.Primary.Span.ToArray());
        await EngineHarness.WaitUntilAsync(() => seed.GetPeers().Count == 1, 20, "the first peer to join");

        // The torrent is full: a second connection that says nothing is closed at once, not after
        // the 60 s the client would wait for a handshake.
        using var second = new System.Net.Sockets.TcpClient();
        await second.ConnectAsync(EngineHarness.EndPoint(seeder));
        var buffer = new byte[1];
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        int read;
        try
        {
            read = await second.GetStream().ReadAsync(buffer, wait.Token);
        }
        catch (IOException)
        {
            read = 0; // reset: closed too
        }
        Assert.Equal(0, read);
        Assert.Single(seed.GetPeers());
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

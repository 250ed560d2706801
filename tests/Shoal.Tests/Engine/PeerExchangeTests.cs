using System.Net;
using Shoal.Extensions;
using Shoal.Metainfo;
using Shoal.Peers;
using Shoal.Wire;

namespace Shoal.Tests.Engine;

/// <summary>BEP 11 between Shoal clients and against a scripted peer: learning, bounds, floods, private torrents.</summary>
public class PeerExchangeTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Two_leechers_that_know_only_the_seed_meet_through_its_peer_exchange_which_marks_them_as_encrypting()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 2_000_000)]);
        var seeder = await h.ClientAsync();
        await seeder.Add(torrent, seedDir, new TorrentOptions { MaxUploadRate = 100_000 }).StartAsync();
        var leechers = new List<TorrentSession>();
        for (int i = 0; i < 2; i++)
        {
            var client = await h.ClientAsync();
            var leech = client.Add(torrent, h.NewDir(), new TorrentOptions { Peers = [EngineHarness.EndPoint(seeder)] });
            await leech.StartAsync();
            leechers.Add(leech);
        }
        await EngineHarness.WaitUntilAsync(() => leechers.All(l => l.GetPeers().Count == 2), 30, "the leechers to connect to each other");
        // At least one of them dialled the other from an address it had only from PEX, flagged as
        // preferring encryption: the seed's connection with it began with the encrypted opening.
        Assert.Contains(leechers, l =>
        {
            var other = leechers.Single(o => o != l);
            lock (l.Gate)
                return l.Peers.Find(EngineHarness.EndPoint(other.Client)) is { } known
                    && known.Sources.HasFlag(PeerSources.Pex) && known.Traits.HasFlag(PeerTraits.Encryption);
        });
    }

    [Fact]
    public async Task Peer_exchange_keeps_real_addresses_only_and_drops_a_peer_that_floods_it()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 100_000)]);
        var seeder = await h.ClientAsync();
        var seed = seeder.Add(torrent, seedDir);
        await seed.StartAsync();
        await EngineHarness.WaitUntilAsync(() => seed.State == TorrentState.Seeding, 10, "seeding");
        using var peer = await ScriptedPeer.ConnectAsync(EngineHarness.EndPoint(seeder), torrent.InfoHashes.Primary.Span.ToArray());
        byte pexId = await HandshakeAsync(peer, expectPex: true);

        var good = new IPEndPoint(IPAddress.Parse("127.0.0.2"), 7001);
        var message = new PexMessage
        {
            Added =
            [
                (new IPEndPoint(IPAddress.Parse("127.0.0.3"), 0), 0),
                (new IPEndPoint(IPAddress.Parse("224.0.0.1"), 7000), 0),
                (new IPEndPoint(IPAddress.Any, 7000), 0),
                (new IPEndPoint(IPAddress.Broadcast, 7000), 0),
                (EngineHarness.EndPoint(seeder), 0), // the seed itself
                (new IPEndPoint(IPAddress.Parse("ff02::1"), 7000), 0),
                (good, PexMessage.Seed),
            ],
        }.Encode();
        await peer.SendExtendedAsync(pexId, message);
        await EngineHarness.WaitUntilAsync(() =>
        {
            lock (seed.Gate)
                return seed.Peers.Find(good) is not null;
        }, 10, "the valid address to be learned");
        lock (seed.Gate)
        {
            Assert.Equal(PeerSources.Pex, seed.Peers.Find(good)!.Sources);
            Assert.Equal(1, seed.Peers.Count);
        }

        for (int i = 0; i < PexExtension.MaxReceivedPerMinute; i++)
            await peer.SendExtendedAsync(pexId, message);
        Assert.True(await peer.ClosedByPeerAsync(Wait), "a peer sending PEX messages without pause was kept");
    }

    [Fact]
    public async Task A_private_torrent_offers_neither_peer_exchange_nor_its_metadata()
    {
        await using var h = new EngineHarness();
        string dir = h.NewDir("private");
        TestData.WriteFile(Path.Combine(dir, "secret.bin"), TestData.Random(100_000, 4));
        var torrent = await new TorrentBuilder { IsPrivate = true, PieceLength = 32 * 1024 }.BuildAsync(Path.Combine(dir, "secret.bin"));
        var seeder = await h.ClientAsync();
        var seed = seeder.Add(torrent, dir);
        await seed.StartAsync();
        await EngineHarness.WaitUntilAsync(() => seed.State == TorrentState.Seeding, 10, "seeding");
        using var peer = await ScriptedPeer.ConnectAsync(EngineHarness.EndPoint(seeder), torrent.InfoHashes.Primary.Span.ToArray());
        await HandshakeAsync(peer, expectPex: false);
    }

    /// <summary>Sends a handshake offering ut_pex and ut_metadata; returns the engine's ut_pex id after checking what it offers.</summary>
    private static async Task<byte> HandshakeAsync(ScriptedPeer peer, bool expectPex)
    {
        await peer.SendExtendedAsync(0, new ExtensionHandshake
        {
            Extensions = new Dictionary<string, byte> { [PexExtension.ExtensionName] = 1, [MetadataExtension.ExtensionName] = 2 },
        }.Encode());
        while (await peer.ReadMessageAsync(Wait) is { } message)
        {
            if (message is not { Id: MessageId.Extended, ExtendedId: 0 })
                continue;
            var theirs = ExtensionHandshake.Parse(message.Payload);
            Assert.Equal(expectPex, theirs.Extensions.ContainsKey(PexExtension.ExtensionName));
            Assert.Equal(expectPex, theirs.Extensions.ContainsKey(MetadataExtension.ExtensionName));
            Assert.Equal(expectPex, theirs.MetadataSize is not null);
            return expectPex ? theirs.Extensions[PexExtension.ExtensionName] : (byte)0;
        }
        throw new IOException("closed before its extension handshake");
    }
}

using Shoal.Metainfo;
using System.Net;
using Shoal.Wire;

namespace Shoal.Tests.Engine;

/// <summary>Sharing a site's WAN link on a live client: scripted peers of our own site and of another one.</summary>
public class SiteShareSwarmTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_piece_asked_of_a_remote_peer_is_cancelled_there_and_asked_on_the_lan_once_a_local_peer_has_it()
    {
        await using var h = new EngineHarness();
        var (torrent, _) = await h.CreateAsync("data.bin", [("data.bin", 8 * 32768)], pieceLength: 32768); // 8 pieces of 2 blocks
        var leecher = await h.ClientAsync(o => o with { Transport = TransportPolicy.Tcp, Sites = SiteMap.Parse(["127.0.0.2/32 other-office"]) });
        var session = leecher.Add(torrent, h.NewDir());
        await session.StartAsync();
        byte[] infoHash = torrent.InfoHashes.Primary.Span.ToArray();

        // A peer of our site (127.0.0.1) with nothing yet, then one of another office (127.0.0.2) with everything.
        using var local = await ScriptedPeer.ConnectAsync(EngineHarness.EndPoint(leecher), infoHash, id: ScriptedPeer.NumberedId(1));
        await local.SendAsync(b => PeerWire.WriteSimple(b, MessageId.HaveNone));
        await local.SendAsync(b => PeerWire.WriteSimple(b, MessageId.Unchoke));
        await EngineHarness.WaitUntilAsync(() => session.GetPeers().Count == 1, 20, "the local peer to join");
        using var remote = await ScriptedPeer.ConnectAsync(EngineHarness.EndPoint(leecher), infoHash, id: ScriptedPeer.NumberedId(2), from: IPAddress.Parse("127.0.0.2"));
        await remote.SendAsync(b => PeerWire.WriteSimple(b, MessageId.HaveAll));
        await remote.SendAsync(b => PeerWire.WriteSimple(b, MessageId.Unchoke));

        // The leecher asks the remote peer for the pieces that are its share; the remote peer holds them.
        var asked = await ReadUntilAsync(remote, m => m.Id == MessageId.Request);
        int piece = asked.Index;

        // The local peer gets that piece: the remote peer hears a cancel for it, the local peer a request.
        await local.SendAsync(b => PeerWire.WriteIndex(b, MessageId.Have, piece));
        var cancel = await ReadUntilAsync(remote, m => m.Id == MessageId.Cancel && m.Index == piece);
        Assert.Equal(piece, cancel.Index);
        var request = await ReadUntilAsync(local, m => m.Id == MessageId.Request);
        Assert.Equal(piece, request.Index);
    }

    [Fact]
    public async Task A_new_version_leaves_the_share_of_a_site_peer_met_in_the_older_one_until_the_stall_grace_then_fetches_it()
    {
        await using var h = new EngineHarness();
        const int pieces = 16, pieceLength = 32768;
        byte[] ownId = "-SH0100-expectedtest"u8.ToArray();
        var leecher = await h.ClientAsync(o => o with { Transport = TransportPolicy.Tcp, PeerId = ownId, Sites = SiteMap.Parse(["127.0.0.2/32 other-office"]) });

        // Version 1 seeds, and a peer of our site (127.0.0.1) meets us in it.
        var (old, oldDir) = await h.CreateAsync("v1.bin", [("v1.bin", pieces * pieceLength)], pieceLength: pieceLength);
        var oldSession = leecher.Add(old, oldDir);
        await oldSession.StartAsync();
        await EngineHarness.WaitUntilAsync(() => oldSession.GetStatus().State == TorrentState.Seeding, 20, "version 1 to seed");
        byte[] siteId = ScriptedPeer.NumberedId(1);
        using (var sitePeer = await ScriptedPeer.ConnectAsync(EngineHarness.EndPoint(leecher), old.InfoHashes.Primary.Span.ToArray(), id: siteId))
        {
            await sitePeer.SendAsync(b => PeerWire.WriteSimple(b, MessageId.HaveNone));
            await EngineHarness.WaitUntilAsync(() => oldSession.GetPeers().Count == 1, 20, "the site's peer to join version 1");
        }

        // Version 2 names version 1 similar (BEP 38); a peer of another site has all of it.
        string dir = h.NewDir("v2");
        byte[] content = TestData.Random(pieces * pieceLength, 7);
        TestData.WriteFile(Path.Combine(dir, "v2.bin"), content);
        var torrent = await new TorrentBuilder { PieceLength = pieceLength, Similar = [old.InfoHashes.Primary] }.BuildAsync(Path.Combine(dir, "v2.bin"));
        var session = leecher.Add(torrent, h.NewDir());
        await session.StartAsync();
        using var remote = await ScriptedPeer.ConnectAsync(EngineHarness.EndPoint(leecher), torrent.InfoHashes.Primary.Span.ToArray(),
            id: ScriptedPeer.NumberedId(2), from: IPAddress.Parse("127.0.0.2"));
        await remote.SendAsync(b => PeerWire.WriteSimple(b, MessageId.HaveAll));
        await remote.SendAsync(b => PeerWire.WriteSimple(b, MessageId.Unchoke));

        // Our share against the expected peer's: the pieces we fetch from afar while it is awaited.
        var share = new Shoal.Swarm.SiteShare(Shoal.Swarm.SiteShare.KeyOf(ownId), TimeProvider.System)
            .Filter([(Shoal.Swarm.SiteShare.KeyOf(siteId), new Bitfield(pieces))])!;
        var ours = Enumerable.Range(0, pieces).Where(p => share(p)).ToHashSet();
        Assert.InRange(ours.Count, 1, pieces - 1);

        var askedBeforeOursDone = new HashSet<int>();
        bool oursDone = false;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!session.GetStatus().IsFinished && DateTime.UtcNow < deadline)
        {
            var message = await remote.ReadMessageAsync(deadline - DateTime.UtcNow) ?? throw new IOException("the leecher hung up");
            oursDone = oursDone || ours.All(p => session.VerifiedPieces[p]);
            if (message.Id != MessageId.Request)
                continue;
            if (!oursDone)
                askedBeforeOursDone.Add(message.Index);
            var block = new byte[13 + message.Length];
            int header = PeerWire.WritePieceHeader(block, message.Index, message.Begin, message.Length);
            content.AsSpan(message.Index * pieceLength + message.Begin, message.Length).CopyTo(block.AsSpan(header));
            await remote.SendAsync(block);
        }
        Assert.Subset(ours, askedBeforeOursDone); // what it asked before its own share was in: its share only
        Assert.True(session.GetStatus().IsFinished, "the awaited peer never came: after the stall grace the rest comes from afar too");
    }

    private static async Task<ScriptedPeer.Message> ReadUntilAsync(ScriptedPeer peer, Func<ScriptedPeer.Message, bool> wanted)
    {
        var deadline = DateTime.UtcNow + Limit;
        while (DateTime.UtcNow < deadline)
        {
            var message = await peer.ReadMessageAsync(deadline - DateTime.UtcNow) ?? throw new IOException("the leecher hung up");
            if (wanted(message))
                return message;
        }
        throw new TimeoutException("the awaited message never came");
    }
}

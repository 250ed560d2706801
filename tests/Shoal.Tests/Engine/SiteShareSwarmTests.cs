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

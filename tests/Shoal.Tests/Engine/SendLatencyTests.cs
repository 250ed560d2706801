using System.Buffers.Binary;
using System.Diagnostics;
using Shoal.Metainfo;
using Shoal.Wire;

namespace Shoal.Tests.Engine;

public class SendLatencyTests
{
    /// <summary>
    /// A peer that takes data at only 400 KiB/s (its link is slow: it reads one block every 40 ms
    /// through a 64 KiB window) with 3 MiB of blocks requested still gets the seed's reply to its
    /// control traffic (here a BEP 52 hash request) within about a second of its rate: at most 25
    /// blocks (a second at 400 KiB/s) wait ahead of it in the seed, in this process and in the
    /// kernel, plus the 8 that fit in the peer's own window (the kernel doubles the 64 KiB asked
    /// for). Counted in blocks, not seconds, so a slow machine cannot make it fail. Before the
    /// send path was bounded, 148 blocks (6 s) were ahead.
    /// </summary>
    [Fact]
    public async Task A_reply_overtakes_queued_blocks_to_a_slow_peer()
    {
        var pace = TimeSpan.FromMilliseconds(40); // the peer's link: one 16 KiB block per 40 ms
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 256 * 16384)], version: TorrentVersion.V2, pieceLength: 16384);
        var seeder = await h.ClientAsync();
        var seed = seeder.Add(torrent, seedDir);
        await seed.StartAsync();
        await EngineHarness.WaitCompleteAsync(seed);

        using var peer = await ScriptedPeer.ConnectAsync(EngineHarness.EndPoint(seeder), torrent.InfoHashes.Primary.Span.ToArray(), receiveBuffer: 64 * 1024);
        await peer.SendAsync(b => PeerWire.WriteSimple(b, MessageId.HaveNone));
        await peer.SendAsync(b => PeerWire.WriteSimple(b, MessageId.Interested));
        while (await peer.ReadAsync(TimeSpan.FromSeconds(20)) is { } message && message.Id != MessageId.Unchoke)
        {
        }
        for (int piece = 0; piece < 200; piece++)
            await peer.SendAsync(b => PeerWire.WriteBlock(b, MessageId.Request, piece, 0, 16384));
        // Let the blocks flow for a while, so the send path is full and the rate is known.
        int blocks = 0;
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed < TimeSpan.FromSeconds(3) && await peer.ReadAsync(TimeSpan.FromSeconds(20)) is { Id: MessageId.Piece })
        {
            blocks++;
            await Task.Delay(pace); // the slow link, not a wait for a state
        }
        Assert.True(blocks > 0);

        var payload = new byte[48];
        Convert.FromHexString(torrent.PieceLayers.Keys.Single()).CopyTo(payload, 0);
        BinaryPrimitives.WriteInt32BigEndian(payload.AsSpan(40), 2); // two piece hashes from index 0
        await peer.SendAsync(b => PeerWire.WritePayload(b, MessageId.HashRequest, payload));
        int blocksAhead = 0;
        while (await peer.ReadAsync(TimeSpan.FromSeconds(20)) is { } message && message.Id != MessageId.Hashes)
        {
            blocksAhead++;
            await Task.Delay(pace);
        }
        Assert.True(blocksAhead <= 25 + 8, $"the hash reply came behind {blocksAhead} blocks to a 400 KiB/s peer");
    }
}

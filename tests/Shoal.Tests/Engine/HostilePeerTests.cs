using System.Buffers.Binary;
using Shoal.Metainfo;
using Shoal.Swarm;
using Shoal.Wire;

namespace Shoal.Tests.Engine;

/// <summary>Peers that keep asking but never read: the seed must drop them and keep serving others.</summary>
public class HostilePeerTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_peer_flooding_requests_while_choked_without_reading_is_dropped_and_the_seed_keeps_serving()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 1_000_000)], pieceLength: 16384);
        var (seeder, log) = await SeedAsync(h, torrent, seedDir);

        long before = GC.GetTotalMemory(forceFullCollection: true);
        using (var flood = await ScriptedPeer.ConnectAsync(EngineHarness.EndPoint(seeder), torrent.InfoHashes.Primary.Span.ToArray(), receiveBuffer: 4096))
        {
            // Never interested, so always choked: every request earns a 17-byte reject that is never read.
            var allowedFast = AllowedFast.Compute(System.Net.IPAddress.Loopback, torrent.InfoHashes.Primary.Span.ToArray(), torrent.PieceCount, AllowedFast.DefaultCount);
            int piece = Enumerable.Range(0, torrent.PieceCount).First(p => !allowedFast.Contains(p));
            var request = new byte[17];
            PeerWire.WriteBlock(request, MessageId.Request, piece, 0, 16384);
            Assert.True(await flood.FloodUntilDroppedAsync(request, 200L << 20, Limit), "the seed kept a peer that never reads its rejects");
        }
        long after = GC.GetTotalMemory(forceFullCollection: true);
        Assert.True(after - before < 128L << 20, $"the seed's heap grew by {(after - before) >> 20} MiB");
        await EngineHarness.WaitUntilAsync(() => log.Contains("does not read what it asks for"), 10,
            "the seed to say why it dropped the peer: " + log);
        await AssertStillServesAsync(h, torrent, seedDir, seeder);
    }

    [Fact]
    public async Task A_peer_flooding_hash_requests_without_reading_is_dropped()
    {
        await using var h = new EngineHarness();
        // 64 pieces of 16 KiB: a request for all 64 piece hashes is answered with 2 KiB.
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 64 * 16384)], version: TorrentVersion.V2, pieceLength: 16384);
        var (seeder, log) = await SeedAsync(h, torrent, seedDir);

        var payload = new byte[48];
        Convert.FromHexString(torrent.PieceLayers.Keys.Single()).CopyTo(payload, 0);
        BinaryPrimitives.WriteInt32BigEndian(payload.AsSpan(32), 0); // base layer: the piece layer of 16 KiB pieces
        BinaryPrimitives.WriteInt32BigEndian(payload.AsSpan(36), 0);
        BinaryPrimitives.WriteInt32BigEndian(payload.AsSpan(40), 64);
        BinaryPrimitives.WriteInt32BigEndian(payload.AsSpan(44), 0);
        var message = new byte[53];
        PeerWire.WritePayload(message, MessageId.HashRequest, payload);
        using (var flood = await ScriptedPeer.ConnectAsync(EngineHarness.EndPoint(seeder), torrent.InfoHashes.Primary.Span.ToArray(), receiveBuffer: 4096))
            Assert.True(await flood.FloodUntilDroppedAsync(message, 20L << 20, Limit), "the seed kept answering a peer that never reads");
        await EngineHarness.WaitUntilAsync(() => log.Contains("does not read what it asks for"), 10,
            "the seed to say why it dropped the peer: " + log);
        await AssertStillServesAsync(h, torrent, seedDir, seeder);
    }

    /// <summary>A complete seed, with its log lines collected.</summary>
    private static async Task<(ShoalClient Seeder, LogCapture Log)> SeedAsync(EngineHarness h, Torrent torrent, string seedDir)
    {
        var log = new LogCapture();
        var seeder = await h.ClientAsync(o => o with { LoggerFactory = log });
        var seed = seeder.Add(torrent, seedDir);
        await seed.StartAsync();
        await EngineHarness.WaitCompleteAsync(seed);
        return (seeder, log);
    }

    private static async Task AssertStillServesAsync(EngineHarness h, Torrent torrent, string seedDir, ShoalClient seeder)
    {
        var leecher = await h.ClientAsync();
        var leech = leecher.Add(torrent, h.NewDir(), new TorrentOptions { Peers = [EngineHarness.EndPoint(seeder)] });
        await leech.StartAsync();
        await EngineHarness.WaitCompleteAsync(leech);
        EngineHarness.AssertSameFiles(torrent, seedDir, leech.SaveDirectory);
    }
}

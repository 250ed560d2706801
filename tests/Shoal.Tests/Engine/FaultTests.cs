using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Shoal.Metainfo;
using Shoal.Wire;

namespace Shoal.Tests.Engine;

public class FaultTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    /// <summary>
    /// A fake seed that claims every piece and answers requests with whatever
    /// <paramref name="block"/> returns (null: hang up).
    /// </summary>
    private static async Task RunFakeSeedAsync(TcpListener listener, Torrent torrent, Func<int, int, int, byte[]?> block, CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            ScriptedPeer peer;
            try
            {
                peer = await ScriptedPeer.AcceptAsync(listener, torrent.InfoHashes.Primary.Span.ToArray());
            }
            catch (Exception) when (token.IsCancellationRequested)
            {
                return;
            }
            _ = Task.Run(async () =>
            {
                using (peer)
                {
                    await peer.SendAsync(b => PeerWire.WriteSimple(b, MessageId.HaveAll));
                    while (await peer.ReadAsync(TimeSpan.FromSeconds(60)) is { } message)
                    {
                        if (message.Id == MessageId.Interested)
                            await peer.SendAsync(b => PeerWire.WriteSimple(b, MessageId.Unchoke));
                        if (message.Id != MessageId.Request)
                            continue;
                        var data = block(message.Index, message.Begin, message.Length);
                        if (data is null)
                            return;
                        var bytes = new byte[13 + data.Length];
                        PeerWire.WritePieceHeader(bytes, message.Index, message.Begin, data.Length);
                        data.CopyTo(bytes, 13);
                        await peer.SendAsync(bytes);
                    }
                }
            }, token);
        }
    }

    [Fact]
    public async Task A_peer_sending_corrupt_blocks_is_banned_and_the_download_completes_from_an_honest_peer()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 600_000)]);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var stop = new CancellationTokenSource();
        var fake = RunFakeSeedAsync(listener, torrent, (_, _, length) => new byte[length] /* zeros: wrong */, stop.Token);

        var leecher = await h.ClientAsync();
        var leech = leecher.Add(torrent, h.NewDir(), new TorrentOptions { Peers = [(IPEndPoint)listener.LocalEndpoint] });
        await leech.StartAsync();
        await EngineHarness.WaitUntilAsync(() => leech.BannedCount == 1, 30, "the corrupt peer to be banned");
        Assert.Equal(0, leech.GetStatus().VerifiedBytes);

        var seeder = await h.ClientAsync();
        await seeder.Add(torrent, seedDir).StartAsync();
        leech.AddPeer(EngineHarness.EndPoint(seeder));
        await EngineHarness.WaitCompleteAsync(leech);
        EngineHarness.AssertSameFiles(torrent, seedDir, leech.SaveDirectory);
        Assert.DoesNotContain(leech.GetPeers(), p => p.EndPoint.Equals(listener.LocalEndpoint));
        await stop.CancelAsync();
    }

    [Fact]
    public async Task A_corrupt_peer_sharing_pieces_with_an_honest_one_is_found_by_comparing_blocks()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 1_000_000)], pieceLength: 64 * 1024);
        var real = File.ReadAllBytes(Path.Combine(seedDir, "data.bin"));
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var stop = new CancellationTokenSource();
        // Every block right except the second block of each piece.
        _ = RunFakeSeedAsync(listener, torrent, (index, begin, length) =>
        {
            var data = real.AsSpan(index * torrent.PieceLength + begin, length).ToArray();
            if (begin == 16384)
                data[0] ^= 0x55;
            return data;
        }, stop.Token);
        var seeder = await h.ClientAsync(o => o with { MaxUploadRate = 256 * 1024 });
        await seeder.Add(torrent, seedDir).StartAsync();
        var leecher = await h.ClientAsync();
        var leech = leecher.Add(torrent, h.NewDir(), new TorrentOptions { Peers = [(IPEndPoint)listener.LocalEndpoint, EngineHarness.EndPoint(seeder)] });
        await leech.StartAsync();
        await EngineHarness.WaitCompleteAsync(leech, 90);
        EngineHarness.AssertSameFiles(torrent, seedDir, leech.SaveDirectory);
        Assert.Equal(1, leech.BannedCount);
        Assert.DoesNotContain(leech.GetPeers(), p => p.EndPoint.Equals(listener.LocalEndpoint));
        await stop.CancelAsync();
    }

    [Fact]
    public async Task A_peer_that_hangs_up_mid_piece_costs_nothing()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 400_000)], pieceLength: 64 * 1024);
        var real = File.ReadAllBytes(Path.Combine(seedDir, "data.bin"));
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var stop = new CancellationTokenSource();
        int served = 0;
        _ = RunFakeSeedAsync(listener, torrent, (index, begin, length) =>
            Interlocked.Increment(ref served) > 2 ? null : real.AsSpan(index * torrent.PieceLength + begin, length).ToArray(), stop.Token);
        var leecher = await h.ClientAsync();
        var leech = leecher.Add(torrent, h.NewDir(), new TorrentOptions { Peers = [(IPEndPoint)listener.LocalEndpoint] });
        await leech.StartAsync();
        await EngineHarness.WaitUntilAsync(() => Volatile.Read(ref served) > 2, 30, "the fake peer to hang up");
        var seeder = await h.ClientAsync();
        await seeder.Add(torrent, seedDir).StartAsync();
        leech.AddPeer(EngineHarness.EndPoint(seeder));
        await EngineHarness.WaitCompleteAsync(leech);
        EngineHarness.AssertSameFiles(torrent, seedDir, leech.SaveDirectory);
        await stop.CancelAsync();
    }

    public static TheoryData<string> Violations => ["oversized length", "bitfield spare bits", "request beyond piece", "request too large", "request unknown piece", "bad have index"];

    [Theory]
    [MemberData(nameof(Violations))]
    public async Task A_peer_breaking_the_protocol_is_disconnected_and_the_seed_keeps_serving(string violation)
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 100_000)]); // 4 pieces: 4 spare bitfield bits
        var seeder = await h.ClientAsync();
        var seed = seeder.Add(torrent, seedDir);
        await seed.StartAsync();
        await EngineHarness.WaitCompleteAsync(seed);

        using (var bad = await ScriptedPeer.ConnectAsync(EngineHarness.EndPoint(seeder), torrent.InfoHashes.Primary.Span.ToArray()))
        {
            await bad.SendAsync(b => PeerWire.WriteSimple(b, MessageId.Interested));
            var message = violation switch
            {
                "oversized length" => BigEndian(0x7FFF_FFF0u, 7),
                "bitfield spare bits" => Bytes(b => PeerWire.WritePayload(b, MessageId.Bitfield, [0b0000_1111])),
                "request beyond piece" => Bytes(b => PeerWire.WriteBlock(b, MessageId.Request, 3, 16384, 16384)),
                "request too large" => Bytes(b => PeerWire.WriteBlock(b, MessageId.Request, 0, 0, 65536)),
                "request unknown piece" => Bytes(b => PeerWire.WriteBlock(b, MessageId.Request, 4, 0, 16384)),
                "bad have index" => Bytes(b => PeerWire.WriteIndex(b, MessageId.Have, 99)),
                _ => throw new ArgumentException(violation),
            };
            await bad.SendAsync(message);
            Assert.True(await bad.ClosedByPeerAsync(Wait), $"{violation}: the seed kept the connection open");
        }

        var leecher = await h.ClientAsync();
        var leech = leecher.Add(torrent, h.NewDir(), new TorrentOptions { Peers = [EngineHarness.EndPoint(seeder)] });
        await leech.StartAsync();
        await EngineHarness.WaitCompleteAsync(leech);
        EngineHarness.AssertSameFiles(torrent, seedDir, leech.SaveDirectory);
        Assert.Equal(TorrentState.Seeding, seed.State);
    }

    private static byte[] Bytes(Func<byte[], int> write)
    {
        var buffer = new byte[64];
        return buffer[..write(buffer)];
    }

    private static byte[] BigEndian(uint length, byte id)
    {
        var bytes = new byte[5];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, length);
        bytes[4] = id;
        return bytes;
    }
}

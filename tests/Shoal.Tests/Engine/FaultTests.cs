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
    /// <paramref name="block"/> returns (null: hang up; empty: reject the request).
    /// </summary>
    private static async Task RunFakeSeedAsync(TcpListener listener, Torrent torrent, Func<int, int, int, byte[]?> block, CancellationToken token,
        Action<MessageId>? onMessage = null, TimeSpan? delay = null)
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
                    // The read loop never waits for an answer, so what the leecher sends (a cancel)
                    // is seen at once; answers go out in order, each after the delay.
                    using var sending = new SemaphoreSlim(1);
                    async Task SendAsync(byte[] bytes)
                    {
                        await sending.WaitAsync(token);
                        try
                        {
                            await peer.SendAsync(bytes);
                        }
                        finally
                        {
                            sending.Release();
                        }
                    }
                    var requests = System.Threading.Channels.Channel.CreateUnbounded<(int Index, int Begin, int Length)>();
                    using var hangUp = CancellationTokenSource.CreateLinkedTokenSource(token);
                    var answering = Task.Run(async () =>
                    {
                        await foreach (var (index, begin, length) in requests.Reader.ReadAllAsync(hangUp.Token))
                        {
                            if (delay is { } pause)
                                await Task.Delay(pause, hangUp.Token);
                            var data = block(index, begin, length);
                            if (data is null)
                            {
                                await hangUp.CancelAsync();
                                peer.Dispose();
                                return;
                            }
                            var bytes = new byte[13 + Math.Max(data.Length, 4)];
                            int size = data.Length == 0 ? PeerWire.WriteBlock(bytes, MessageId.Reject, index, begin, length)
                                : PeerWire.WritePieceHeader(bytes, index, begin, data.Length) + data.Length;
                            data.CopyTo(bytes, 13);
                            await SendAsync(bytes[..size]);
                        }
                    }, hangUp.Token);
                    try
                    {
                        await SendAsync(Message(b => PeerWire.WriteSimple(b, MessageId.HaveAll)));
                        while (!hangUp.IsCancellationRequested && await peer.ReadAsync(TimeSpan.FromSeconds(60)) is { } message)
                        {
                            onMessage?.Invoke(message.Id);
                            if (message.Id == MessageId.Interested)
                                await SendAsync(Message(b => PeerWire.WriteSimple(b, MessageId.Unchoke)));
                            if (message.Id == MessageId.Request)
                                requests.Writer.TryWrite((message.Index, message.Begin, message.Length));
                        }
                    }
                    catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
                    {
                        // the leecher hung up, or the test is over
                    }
                    requests.Writer.TryComplete();
                    await hangUp.CancelAsync();
                    try
                    {
                        await answering;
                    }
                    catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
                    {
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

        var log = new LogCapture();
        var leecher = await h.ClientAsync(o => o with { LoggerFactory = log });
        var leech = leecher.Add(torrent, h.NewDir(), new TorrentOptions { Peers = [(IPEndPoint)listener.LocalEndpoint] });
        await leech.StartAsync();
        await EngineHarness.WaitUntilAsync(() => leech.BannedCount == 1, 30, "the corrupt peer to be banned");
        Assert.Equal(0, leech.GetStatus().VerifiedBytes);
        // Every byte of every piece that failed its check is counted as corrupt, and nothing else.
        long FailedBytes() => log.Lines.Select(l => System.Text.RegularExpressions.Regex.Match(l, @"piece (\d+) failed its hash check"))
            .Where(m => m.Success).Sum(m => (long)torrent.PieceSize(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)));
        await EngineHarness.WaitUntilAsync(() => FailedBytes() > 0 && leech.GetStatus().CorruptBytes == FailedBytes(), 10,
            $"corrupt bytes ({leech.GetStatus().CorruptBytes}) to be those of the pieces that failed ({FailedBytes()})");

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
        // It serves only the second block of each piece, corrupted, and rejects every other
        // request: each piece it touches mixes its block with the honest seed's, so the hash
        // failure alone cannot say who lied; only comparing the blocks once the piece passes can.
        _ = RunFakeSeedAsync(listener, torrent, (index, begin, length) =>
        {
            if (begin != 16384)
                return [];
            var data = real.AsSpan(index * torrent.PieceLength + begin, length).ToArray();
            data[0] ^= 0x55;
            return data;
        }, stop.Token);
        var seeder = await h.ClientAsync(o => o with { MaxUploadRate = 256 * 1024 });
        await seeder.Add(torrent, seedDir).StartAsync();
        var log = new LogCapture();
        var leecher = await h.ClientAsync(o => o with { LoggerFactory = log });
        var leech = leecher.Add(torrent, h.NewDir(), new TorrentOptions { Peers = [(IPEndPoint)listener.LocalEndpoint, EngineHarness.EndPoint(seeder)] });
        await leech.StartAsync();
        await EngineHarness.WaitCompleteAsync(leech, 90);
        EngineHarness.AssertSameFiles(torrent, seedDir, leech.SaveDirectory);
        Assert.Equal(1, leech.BannedCount);
        Assert.DoesNotContain(leech.GetPeers(), p => p.EndPoint.Equals(listener.LocalEndpoint));
        var bans = log.At(Microsoft.Extensions.Logging.LogLevel.Warning).Where(l => l.Contains("banned", StringComparison.Ordinal)).ToList();
        Assert.True(bans.Count == 1 && bans[0].Contains("sent a corrupt block of piece", StringComparison.Ordinal), "bans: " + string.Join(" | ", bans));
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
        // The two blocks it sent were kept (nothing was fetched twice) and nobody was banned.
        Assert.Equal(0, leech.BannedCount);
        Assert.True(leech.GetStatus().Downloaded <= torrent.TotalSize, $"downloaded {leech.GetStatus().Downloaded} of {torrent.TotalSize}");
        await stop.CancelAsync();
    }

    [Fact]
    public async Task In_endgame_a_block_that_arrives_from_one_peer_is_cancelled_at_the_other()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 600_000)], pieceLength: 64 * 1024);
        var real = File.ReadAllBytes(Path.Combine(seedDir, "data.bin"));
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var stop = new CancellationTokenSource();
        int cancels = 0;
        var seen = new System.Collections.Concurrent.ConcurrentQueue<MessageId>();
        // A slow but honest peer: every block comes right, a quarter second late.
        _ = RunFakeSeedAsync(listener, torrent, (index, begin, length) => real.AsSpan(index * torrent.PieceLength + begin, length).ToArray(), stop.Token,
            onMessage: id =>
            {
                seen.Enqueue(id);
                if (id == MessageId.Cancel)
                    Interlocked.Increment(ref cancels);
            }, delay: TimeSpan.FromMilliseconds(250));
        var leecher = await h.ClientAsync();
        var leech = leecher.Add(torrent, h.NewDir(), new TorrentOptions { Peers = [(IPEndPoint)listener.LocalEndpoint] });
        await leech.StartAsync();
        // Only once the slow peer holds requests does the fast seed join: the last blocks are then asked of both.
        await EngineHarness.WaitUntilAsync(() => seen.Count(id => id == MessageId.Request) >= 8, 30, "requests at the slow peer");
        var seeder = await h.ClientAsync();
        await seeder.Add(torrent, seedDir).StartAsync();
        leech.AddPeer(EngineHarness.EndPoint(seeder));
        await EngineHarness.WaitCompleteAsync(leech, 90);
        EngineHarness.AssertSameFiles(torrent, seedDir, leech.SaveDirectory);
        await EngineHarness.WaitUntilAsync(() => Volatile.Read(ref cancels) > 0, 30,
            "a cancel at the slow peer; it saw " + string.Join(", ", seen.GroupBy(i => i).Select(g => $"{g.Key} x{g.Count()}")));
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

    private static byte[] Message(Func<byte[], int> write) => Bytes(write);

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

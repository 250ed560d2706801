using Microsoft.Extensions.Time.Testing;
using Shoal.Extensions;
using Shoal.Metainfo;
using Shoal.Wire;

namespace Shoal.Tests.Engine;

/// <summary>Magnet links end to end between Shoal clients: BEP 9 metadata, BEP 52 piece layers, the saved copy.</summary>
public class MetadataExchangeTests
{
    [Theory]
    [InlineData(TorrentVersion.V1)]
    [InlineData(TorrentVersion.V2)]
    [InlineData(TorrentVersion.Hybrid)]
    public async Task A_magnet_link_with_a_peer_fetches_the_metadata_from_it_and_downloads(TorrentVersion version)
    {
        await using var h = new EngineHarness();
        // 40 pieces of 16 KiB in the big file: its piece layer must come from the peer for v2.
        var (torrent, seedDir) = await h.CreateAsync("set", [("big.bin", 640_000), ("small.bin", 5_000)], version, pieceLength: 16 * 1024);
        var seeder = await h.ClientAsync();
        await seeder.Add(torrent, seedDir).StartAsync();
        var leecher = await h.ClientAsync();
        var magnet = new MagnetLink
        {
            InfoHashes = version == TorrentVersion.Hybrid ? new InfoHashes(null, torrent.InfoHashes.V2) : torrent.InfoHashes,
            Peers = [EngineHarness.EndPoint(seeder).ToString()],
        };
        var leech = leecher.Add(MagnetLink.Parse(magnet.ToString()), h.NewDir());
        await leech.StartAsync();
        await EngineHarness.WaitCompleteAsync(leech);

        Assert.Equal(torrent.InfoBytes.ToArray(), leech.Torrent!.InfoBytes.ToArray());
        Assert.Equal("set", leech.Name);
        EngineHarness.AssertSameFiles(torrent, seedDir, leech.SaveDirectory);
        Assert.Equal(1, leech.GetStatus().MetadataPeers);
        // Kept in the state folder: the same magnet added again has its metadata at once.
        var saved = Path.Combine(leecher.ResumeDirectory, leech.InfoHash.ToHex() + ".torrent");
        Assert.True(File.Exists(saved));
        Assert.Equal(torrent.PieceLayers.Keys.Order(), TorrentParser.Load(saved).PieceLayers.Keys.Order());
        await leecher.RemoveAsync(leech);
        var again = leecher.Add(MagnetLink.Parse(magnet.ToString()), h.NewDir());
        Assert.NotNull(again.Torrent);
    }

    [Fact]
    public async Task Metadata_of_several_blocks_is_requested_from_several_peers_at_once()
    {
        await using var h = new EngineHarness();
        // 1,500 small files: an info dictionary of several 16 KiB blocks.
        var (torrent, _) = await h.CreateAsync("many", [.. Enumerable.Range(0, 1500).Select(i => ($"file-{i:D5}.bin", 7))]);
        Assert.True(torrent.InfoBytes.Length > 3 * MetadataMessage.BlockSize, $"{torrent.InfoBytes.Length} bytes");
        var (leecher, leech) = await MetadataPeer.AwaitingMetadataAsync(h, torrent);
        // Three peers join before any of them answers: at most 2 requests in flight each, so the
        // blocks must be spread over at least two of them.
        var peers = new List<MetadataPeer>();
        for (int i = 0; i < 3; i++)
            peers.Add(await MetadataPeer.JoinAsync(leecher, torrent, torrent.InfoBytes.Length, number: i));
        try
        {
            var asked = await Task.WhenAll(peers.Select(p => ServeUntilAsync(p, torrent.InfoBytes, () => leech.Torrent is not null)));
            Assert.True(asked.Count(n => n > 0) >= 2, $"requests per peer: {string.Join(", ", asked)}");
            Assert.True(leech.GetStatus().MetadataPeers >= 2, $"asked {leech.GetStatus().MetadataPeers} peers");
            Assert.Equal(torrent.InfoBytes.ToArray(), leech.Torrent!.InfoBytes.ToArray());
        }
        finally
        {
            peers.ForEach(p => p.Dispose());
        }
    }

    [Fact]
    public async Task A_magnet_reports_the_part_of_its_metadata_received_block_by_block_then_all_of_it()
    {
        await using var h = new EngineHarness();
        var (torrent, _) = await h.CreateAsync("many", [.. Enumerable.Range(0, 1500).Select(i => ($"file-{i:D5}.bin", 7))]);
        int blocks = (torrent.InfoBytes.Length + MetadataMessage.BlockSize - 1) / MetadataMessage.BlockSize;
        Assert.True(blocks >= 3, $"{blocks} blocks");
        var (leecher, leech) = await MetadataPeer.AwaitingMetadataAsync(h, torrent);
        Assert.Equal(0, leech.GetStatus().MetadataProgress);
        using var peer = await MetadataPeer.JoinAsync(leecher, torrent, torrent.InfoBytes.Length);
        var first = (await peer.RequestsAsync(MetadataPeer.Wait, stopAfter: 1)).Single();
        await peer.AnswerHonestlyAsync(first, torrent.InfoBytes);
        await EngineHarness.WaitUntilAsync(() => leech.GetStatus().MetadataProgress > 0, 20, "the first block counted");
        var status = leech.GetStatus();
        Assert.False(status.HasMetadata);
        Assert.Equal(1.0 / blocks, status.MetadataProgress, 6);
        await ServeUntilAsync(peer, torrent.InfoBytes, () => leech.Torrent is not null);
        Assert.Equal(1.0, leech.GetStatus().MetadataProgress);
    }

    [Fact]
    public async Task A_v2_magnet_whose_only_peer_rejects_the_piece_layer_asks_again_after_a_while()
    {
        await using var h = new EngineHarness();
        var (torrent, _) = await h.CreateAsync("big.bin", [("big.bin", 640_000)], TorrentVersion.V2, pieceLength: 16 * 1024);
        var time = new FakeTimeProvider();
        var (leecher, leech) = await MetadataPeer.AwaitingMetadataAsync(h, torrent, o => o with { Time = time });
        using var peer = await MetadataPeer.JoinAsync(leecher, torrent, torrent.InfoBytes.Length);

        // The layer fetch runs on the swarm's tick: the clock moves a second at a time until it asks.
        var first = await TickUntilAsync(time, ServeMetadataUntilHashRequestAsync(peer, torrent.InfoBytes), seconds: 5);
        await peer.Peer.SendAsync(b => PeerWire.WritePayload(b, MessageId.HashReject, first));
        // A refused run waits PieceLayerFetch.RetryAfter (10 s) before the same peer is asked
        // again; the ticks meanwhile have nobody to ask and must simply wait.
        var again = await TickUntilAsync(time, ServeMetadataUntilHashRequestAsync(peer, torrent.InfoBytes), seconds: 12);
        Assert.NotEqual(TorrentState.Error, leech.State);
        Assert.Equal(first, again);
        await leecher.DisposeAsync();
    }

    [Fact]
    public async Task A_peer_connected_before_the_metadata_hears_its_size_once_it_is_known()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 100_000)]);
        var (leecher, leech) = await MetadataPeer.AwaitingMetadataAsync(h, torrent);
        // A peer without the metadata either: our first handshake could not carry its size.
        using var early = await MetadataPeer.JoinAsync(leecher, torrent, metadataSize: null);
        var seeder = await h.ClientAsync();
        await seeder.Add(torrent, seedDir).StartAsync();
        leech.AddPeer(EngineHarness.EndPoint(seeder));
        await EngineHarness.WaitUntilAsync(() => leech.Torrent is not null, 30, "the metadata from the seed");

        while (await early.ReadMessageAsync(MetadataPeer.Wait) is { } message)
        {
            if (message is { Id: MessageId.Extended, ExtendedId: 0 })
            {
                Assert.Equal(torrent.InfoBytes.Length, ExtensionHandshake.Parse(message.Payload).MetadataSize);
                return;
            }
        }
        Assert.Fail("no second extension handshake");
    }

    /// <summary>Advances <paramref name="time"/> a second at a time, at most <paramref name="seconds"/>, until <paramref name="task"/> is done.</summary>
    private static async Task<T> TickUntilAsync<T>(FakeTimeProvider time, Task<T> task, int seconds)
    {
        for (int second = 0; second < seconds && !task.IsCompleted; second++)
        {
            await Task.WhenAny(task, Task.Delay(200)); // what one tick set off, let it arrive
            time.Advance(TimeSpan.FromSeconds(1));
        }
        return await task.WaitAsync(TimeSpan.FromSeconds(20));
    }

    /// <summary>Answers metadata requests truthfully until a BEP 52 hash request comes; its payload.</summary>
    private static async Task<byte[]> ServeMetadataUntilHashRequestAsync(MetadataPeer peer, ReadOnlyMemory<byte> info)
    {
        while (await peer.ReadMessageAsync(MetadataPeer.Wait) is { } message)
        {
            if (message.Id == MessageId.HashRequest)
                return message.Payload;
            if (message is { Id: MessageId.Extended, ExtendedId: MetadataPeer.OwnId }
                && MetadataMessage.Parse(message.Payload) is { Type: MetadataMessageType.Request } request)
                await peer.AnswerHonestlyAsync(request, info);
        }
        throw new IOException("closed before a hash request");
    }

    /// <summary>Answers <paramref name="peer"/>'s metadata requests truthfully until <paramref name="done"/>; how many it answered.</summary>
    private static async Task<int> ServeUntilAsync(MetadataPeer peer, ReadOnlyMemory<byte> info, Func<bool> done)
    {
        int answered = 0;
        var deadline = DateTime.UtcNow + MetadataPeer.Wait;
        while (!done() && DateTime.UtcNow < deadline)
        {
            ScriptedPeer.Message? message;
            try
            {
                message = await peer.ReadMessageAsync(TimeSpan.FromMilliseconds(200));
            }
            catch (OperationCanceledException)
            {
                continue;
            }
            if (message is null)
                break;
            if (message is { Id: MessageId.Extended, ExtendedId: MetadataPeer.OwnId }
                && MetadataMessage.Parse(message.Payload) is { Type: MetadataMessageType.Request } request)
            {
                await peer.AnswerHonestlyAsync(request, info);
                answered++;
            }
        }
        return answered;
    }
}

using Shoal.Extensions;
using Shoal.Metainfo;
using Shoal.Wire;
using Message = Shoal.Tests.Engine.ScriptedPeer.Message;

namespace Shoal.Tests.Engine;

/// <summary>Peers that lie about the metadata (BEP 9): never trusted, dropped, and never poison the torrent.</summary>
public class MetadataLiarTests
{
    private const byte LiarMetadataId = 3;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_peer_announcing_2_GiB_of_metadata_is_never_asked_and_an_honest_peer_supplies_it()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 100_000)]);
        var (leecher, leech) = await AwaitingMetadataAsync(h, torrent);
        using var liar = await JoinAsync(leecher, torrent, metadataSize: 2L * 1024 * 1024 * 1024);

        var seeder = await h.ClientAsync();
        await seeder.Add(torrent, seedDir).StartAsync();
        leech.AddPeer(EngineHarness.EndPoint(seeder));
        await EngineHarness.WaitCompleteAsync(leech);

        Assert.Empty(await RequestsAsync(liar, TimeSpan.FromMilliseconds(500)));
        Assert.Equal(torrent.InfoBytes.ToArray(), leech.Torrent!.InfoBytes.ToArray());
    }

    [Fact]
    public async Task A_peer_whose_metadata_does_not_hash_to_the_info_hash_is_dropped_and_the_torrent_still_waits()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 100_000)]);
        var (leecher, leech) = await AwaitingMetadataAsync(h, torrent);
        using var liar = await JoinAsync(leecher, torrent, torrent.InfoBytes.Length);

        Assert.True(await AnswerWithGarbageUntilClosedAsync(liar, torrent.InfoBytes.Length), "the liar was not dropped");
        Assert.Equal(TorrentState.AwaitingMetadata, leech.State);
        Assert.Null(leech.Torrent);

        var seeder = await h.ClientAsync();
        await seeder.Add(torrent, seedDir).StartAsync();
        leech.AddPeer(EngineHarness.EndPoint(seeder));
        await EngineHarness.WaitCompleteAsync(leech);
        EngineHarness.AssertSameFiles(torrent, seedDir, leech.SaveDirectory);
    }

    [Fact]
    public async Task A_data_block_with_another_total_size_or_length_drops_the_peer()
    {
        await using var h = new EngineHarness();
        var (torrent, _) = await h.CreateAsync("data.bin", [("data.bin", 100_000)]);
        var (leecher, leech) = await AwaitingMetadataAsync(h, torrent);
        int size = torrent.InfoBytes.Length;

        using var wrongTotal = await JoinAsync(leecher, torrent, size);
        var request = Assert.Single(await RequestsAsync(wrongTotal, Wait, stopAfter: 1));
        await wrongTotal.AnswerAsync(new MetadataMessage(MetadataMessageType.Data, request.Piece, size + 1, new byte[size]));
        Assert.True(await wrongTotal.ClosedByPeerAsync(Wait));

        using var wrongLength = await JoinAsync(leecher, torrent, size);
        request = Assert.Single(await RequestsAsync(wrongLength, Wait, stopAfter: 1));
        await wrongLength.AnswerAsync(new MetadataMessage(MetadataMessageType.Data, request.Piece, size, new byte[size - 1]));
        Assert.True(await wrongLength.ClosedByPeerAsync(Wait));
        Assert.Equal(TorrentState.AwaitingMetadata, leech.State);
    }

    [Fact]
    public async Task A_liar_mixed_with_an_honest_peer_does_not_poison_the_metadata()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("many", [.. Enumerable.Range(0, 1500).Select(i => ($"file-{i:D5}.bin", 7))]);
        var (leecher, leech) = await AwaitingMetadataAsync(h, torrent);
        using var liar = await JoinAsync(leecher, torrent, torrent.InfoBytes.Length);
        var seeder = await h.ClientAsync();
        await seeder.Add(torrent, seedDir).StartAsync();
        leech.AddPeer(EngineHarness.EndPoint(seeder));

        var lying = AnswerWithGarbageUntilClosedAsync(liar, torrent.InfoBytes.Length);
        await EngineHarness.WaitCompleteAsync(leech);
        Assert.Equal(torrent.InfoBytes.ToArray(), leech.Torrent!.InfoBytes.ToArray());
        EngineHarness.AssertSameFiles(torrent, seedDir, leech.SaveDirectory);
        liar.Dispose();
        await lying;
    }

    /// <summary>A client with <paramref name="torrent"/> added from its hashes alone, awaiting its metadata.</summary>
    private static async Task<(ShoalClient Client, TorrentSession Session)> AwaitingMetadataAsync(EngineHarness h, Torrent torrent)
    {
        var leecher = await h.ClientAsync();
        var leech = leecher.Add(new TorrentIdentity(torrent.InfoHashes, torrent.Name), h.NewDir());
        await leech.StartAsync();
        await EngineHarness.WaitUntilAsync(() => leech.State == TorrentState.AwaitingMetadata, 10, "awaiting metadata");
        return (leecher, leech);
    }

    /// <summary>
    /// Connects a scripted peer that says it has ut_metadata (at its id 3) with
    /// <paramref name="metadataSize"/>, and reads the engine's handshake for the id to answer to.
    /// </summary>
    private static async Task<Liar> JoinAsync(ShoalClient client, Torrent torrent, long metadataSize)
    {
        var peer = await ScriptedPeer.ConnectAsync(EngineHarness.EndPoint(client), torrent.InfoHashes.Primary.Span.ToArray());
        var handshake = new ExtensionHandshake
        {
            Extensions = new Dictionary<string, byte> { [MetadataExtension.ExtensionName] = LiarMetadataId },
            MetadataSize = metadataSize,
        };
        await peer.SendExtendedAsync(0, handshake.Encode());
        while (await peer.ReadMessageAsync(Wait) is { } message)
        {
            if (message is { Id: MessageId.Extended, ExtendedId: 0 })
                return new Liar(peer, ExtensionHandshake.Parse(message.Payload).Extensions[MetadataExtension.ExtensionName]);
        }
        throw new IOException("closed before its extension handshake");
    }

    /// <summary>A scripted peer and the engine's ut_metadata id, where its answers go.</summary>
    private sealed record Liar(ScriptedPeer Peer, byte EngineId) : IDisposable
    {
        public Task AnswerAsync(MetadataMessage message) => Peer.SendExtendedAsync(EngineId, message.Encode());

        public Task<Message?> ReadMessageAsync(TimeSpan timeout) => Peer.ReadMessageAsync(timeout);

        public Task<bool> ClosedByPeerAsync(TimeSpan timeout) => Peer.ClosedByPeerAsync(timeout);

        public void Dispose() => Peer.Dispose();
    }

    /// <summary>The ut_metadata requests the engine sends within <paramref name="window"/> (or until <paramref name="stopAfter"/> arrived).</summary>
    private static async Task<List<MetadataMessage>> RequestsAsync(Liar peer, TimeSpan window, int stopAfter = int.MaxValue)
    {
        var requests = new List<MetadataMessage>();
        try
        {
            while (requests.Count < stopAfter && await peer.ReadMessageAsync(window) is { } message)
            {
                if (message is { Id: MessageId.Extended, ExtendedId: LiarMetadataId })
                    requests.Add(MetadataMessage.Parse(message.Payload));
            }
        }
        catch (OperationCanceledException)
        {
        }
        return requests;
    }

    /// <summary>Answers every request with blocks of the right length but wrong bytes; true when the engine hangs up.</summary>
    private static async Task<bool> AnswerWithGarbageUntilClosedAsync(Liar peer, int size)
    {
        try
        {
            while (await peer.ReadMessageAsync(Wait) is { } message)
            {
                if (message is not { Id: MessageId.Extended, ExtendedId: LiarMetadataId })
                    continue;
                var request = MetadataMessage.Parse(message.Payload);
                int length = Math.Min(MetadataMessage.BlockSize, size - request.Piece * MetadataMessage.BlockSize);
                var garbage = Enumerable.Repeat((byte)'x', length).ToArray();
                await peer.AnswerAsync(new MetadataMessage(MetadataMessageType.Data, request.Piece, size, garbage));
            }
            return true;
        }
        catch (Exception e) when (e is OperationCanceledException)
        {
            return false;
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            return true;
        }
    }
}

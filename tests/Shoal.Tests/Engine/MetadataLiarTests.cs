using Shoal.Extensions;
using Shoal.Metainfo;
using Shoal.Wire;

namespace Shoal.Tests.Engine;

/// <summary>Peers that lie about the metadata (BEP 9): never trusted, dropped, and never poison the torrent.</summary>
public class MetadataLiarTests
{
    private static readonly TimeSpan Wait = MetadataPeer.Wait;

    [Fact]
    public async Task A_peer_announcing_2_GiB_of_metadata_is_never_asked_and_an_honest_peer_supplies_it()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 100_000)]);
        var (leecher, leech) = await MetadataPeer.AwaitingMetadataAsync(h, torrent);
        using var liar = await MetadataPeer.JoinAsync(leecher, torrent, metadataSize: 2L * 1024 * 1024 * 1024);

        var seeder = await h.ClientAsync();
        await seeder.Add(torrent, seedDir).StartAsync();
        leech.AddPeer(EngineHarness.EndPoint(seeder));
        await EngineHarness.WaitCompleteAsync(leech);

        Assert.Empty(await liar.RequestsAsync(TimeSpan.FromMilliseconds(500)));
        Assert.Equal(torrent.InfoBytes.ToArray(), leech.Torrent!.InfoBytes.ToArray());
    }

    [Fact]
    public async Task A_peer_whose_metadata_does_not_hash_to_the_info_hash_is_dropped_and_the_torrent_still_waits()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 100_000)]);
        var (leecher, leech) = await MetadataPeer.AwaitingMetadataAsync(h, torrent);
        using var liar = await MetadataPeer.JoinAsync(leecher, torrent, torrent.InfoBytes.Length);

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
        var (leecher, leech) = await MetadataPeer.AwaitingMetadataAsync(h, torrent);
        int size = torrent.InfoBytes.Length;

        using var wrongTotal = await MetadataPeer.JoinAsync(leecher, torrent, size);
        var request = Assert.Single(await wrongTotal.RequestsAsync(Wait, stopAfter: 1));
        await wrongTotal.AnswerAsync(new MetadataMessage(MetadataMessageType.Data, request.Piece, size + 1, new byte[size]));
        Assert.True(await wrongTotal.ClosedByPeerAsync(Wait));

        using var wrongLength = await MetadataPeer.JoinAsync(leecher, torrent, size);
        request = Assert.Single(await wrongLength.RequestsAsync(Wait, stopAfter: 1));
        await wrongLength.AnswerAsync(new MetadataMessage(MetadataMessageType.Data, request.Piece, size, new byte[size - 1]));
        Assert.True(await wrongLength.ClosedByPeerAsync(Wait));
        Assert.Equal(TorrentState.AwaitingMetadata, leech.State);
    }

    [Fact]
    public async Task A_liar_mixed_with_an_honest_peer_does_not_poison_the_metadata()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("many", [.. Enumerable.Range(0, 1500).Select(i => ($"file-{i:D5}.bin", 7))]);
        var (leecher, leech) = await MetadataPeer.AwaitingMetadataAsync(h, torrent);
        using var liar = await MetadataPeer.JoinAsync(leecher, torrent, torrent.InfoBytes.Length);
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

    /// <summary>Answers every request with blocks of the right length but wrong bytes; true when the engine hangs up.</summary>
    private static async Task<bool> AnswerWithGarbageUntilClosedAsync(MetadataPeer peer, int size)
    {
        try
        {
            while (await peer.ReadMessageAsync(Wait) is { } message)
            {
                if (message is not { Id: MessageId.Extended, ExtendedId: MetadataPeer.OwnId })
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

    [Fact]
    public async Task Metadata_that_hashes_right_but_names_a_path_outside_the_folder_fails_the_torrent_with_the_reason_and_writes_nothing()
    {
        await using var h = new EngineHarness();
        var (honest, _) = await h.CreateAsync("set", [("a.bin", 40_000), ("b.bin", 30_000)]);
        // The same info dictionary with its first file moved to "../escaped.bin", under the hash of that.
        var info = (Shoal.Bencode.BDictionary)Shoal.Bencode.BencodeReader.Decode(honest.InfoBytes.ToArray());
        var first = (Shoal.Bencode.BDictionary)((Shoal.Bencode.BList)info["files"]!)[0];
        first.Set("path", new Shoal.Bencode.BList([new Shoal.Bencode.BString(".."), new Shoal.Bencode.BString("escaped.bin")]));
        byte[] hostile = Shoal.Bencode.BencodeWriter.Encode(info);
        var named = honest with { InfoHashes = new InfoHashes(new InfoHash(System.Security.Cryptography.SHA1.HashData(hostile)), null) };
        var (leecher, leech) = await MetadataPeer.AwaitingMetadataAsync(h, named);
        using var publisher = await MetadataPeer.JoinAsync(leecher, named, hostile.Length);
        foreach (var request in await publisher.RequestsAsync(TimeSpan.FromSeconds(5), stopAfter: (hostile.Length + MetadataMessage.BlockSize - 1) / MetadataMessage.BlockSize))
            await publisher.AnswerHonestlyAsync(request, hostile);

        await EngineHarness.WaitUntilAsync(() => leech.State == TorrentState.Error, 20, "the torrent refused");
        Assert.Contains("escape the download folder", leech.Error);
        Assert.Null(leech.Torrent);
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(leech.SaveDirectory)!, "escaped.bin")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(leech.SaveDirectory));
    }
}

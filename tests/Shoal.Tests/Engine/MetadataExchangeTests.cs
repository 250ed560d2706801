using Shoal.Metainfo;

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
    public async Task Metadata_of_several_blocks_comes_from_several_peers()
    {
        await using var h = new EngineHarness();
        // 1,500 small files: an info dictionary of several 16 KiB blocks.
        var (torrent, seedDir) = await h.CreateAsync("many", [.. Enumerable.Range(0, 1500).Select(i => ($"file-{i:D5}.bin", 7))]);
        Assert.True(torrent.InfoBytes.Length > 3 * 16 * 1024, $"{torrent.InfoBytes.Length} bytes");
        var seeds = new List<ShoalClient>();
        for (int i = 0; i < 3; i++)
        {
            var seeder = await h.ClientAsync();
            await seeder.Add(torrent, seedDir).StartAsync();
            seeds.Add(seeder);
        }
        var leecher = await h.ClientAsync();
        var leech = leecher.Add(new TorrentIdentity(torrent.InfoHashes, "many") { Peers = [.. seeds.Select(EngineHarness.EndPoint)] }, h.NewDir());
        await leech.StartAsync();
        await EngineHarness.WaitUntilAsync(() => leech.Torrent is not null, 30, "the metadata");
        Assert.True(leech.GetStatus().MetadataPeers >= 2, $"asked {leech.GetStatus().MetadataPeers} peers");
        await EngineHarness.WaitCompleteAsync(leech);
    }
}

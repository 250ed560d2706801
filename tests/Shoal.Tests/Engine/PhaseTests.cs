using Shoal.Metainfo;
using Shoal.Wire;

namespace Shoal.Tests.Engine;

public class PhaseTests
{
    [Fact]
    public async Task A_torrent_added_from_a_magnet_link_waits_for_metadata_can_be_paused_and_then_downloads()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 300_000)]);
        var magnet = MagnetLink.Parse(torrent.ToMagnetLink().ToString());
        // The only peer has no metadata either: nothing can be fetched until it is supplied.
        var other = await h.ClientAsync();
        await other.Add(magnet, h.NewDir()).StartAsync();
        var leecher = await h.ClientAsync();
        var leech = leecher.Add(magnet, h.NewDir(), new TorrentOptions { Peers = [EngineHarness.EndPoint(other)] });

        Assert.Null(leech.Torrent);
        Assert.Equal("data.bin", leech.Name);
        await leech.StartAsync();
        await EngineHarness.WaitUntilAsync(() => leech.State == TorrentState.AwaitingMetadata, 10, "awaiting metadata");
        var waiting = leech.GetStatus();
        Assert.Equal(0, waiting.Progress);
        Assert.Equal(0, waiting.TotalBytes);
        Assert.Equal(torrent.InfoHashes.Primary.ToHex(), waiting.InfoHash);

        // Peers connect while the metadata is awaited.
        await EngineHarness.WaitUntilAsync(() => leech.GetPeers().Count == 1, 10, "the peer connected before the metadata");
        Assert.Equal(TorrentState.AwaitingMetadata, leech.State);

        await leech.PauseAsync();
        Assert.Equal(TorrentState.Paused, leech.State);
        await leech.StartAsync();
        await EngineHarness.WaitUntilAsync(() => leech.State == TorrentState.AwaitingMetadata, 10, "awaiting metadata again");

        var unrelated = (await h.CreateAsync("other.bin", [("other.bin", 1000)], seed: 9)).Torrent;
        Assert.Throws<ArgumentException>(() => leech.SetMetadata(unrelated));
        var seeder = await h.ClientAsync();
        await seeder.Add(torrent, seedDir).StartAsync();
        leech.AddPeer(EngineHarness.EndPoint(seeder));
        leech.SetMetadata(torrent);
        await EngineHarness.WaitCompleteAsync(leech);
        EngineHarness.AssertSameFiles(torrent, seedDir, leech.SaveDirectory);

        await leecher.RemoveAsync(leech);
        Assert.DoesNotContain(leech, leecher.Torrents);
        Assert.Equal(TorrentState.Stopped, leech.State);
    }

    [Fact]
    public async Task What_a_peer_claims_before_the_metadata_is_checked_when_it_arrives()
    {
        await using var h = new EngineHarness();
        var (torrent, _) = await h.CreateAsync("data.bin", [("data.bin", 100_000)]);
        var leecher = await h.ClientAsync();
        var leech = leecher.Add(MagnetLink.Parse(torrent.ToMagnetLink().ToString()), h.NewDir());
        await leech.StartAsync();
        await EngineHarness.WaitUntilAsync(() => leech.State == TorrentState.AwaitingMetadata, 10, "awaiting metadata");
        using var liar = await ScriptedPeer.ConnectAsync(EngineHarness.EndPoint(leecher), torrent.InfoHashes.Primary.Span.ToArray());
        await liar.SendAsync(b => PeerWire.WriteSimple(b, MessageId.HaveNone));
        await liar.SendAsync(b => PeerWire.WriteIndex(b, MessageId.Have, 1_000_000)); // no such piece, as the metadata will show
        await EngineHarness.WaitUntilAsync(() => leech.GetPeers().Count == 1, 10, "the peer to be kept while the piece count is unknown");
        leech.SetMetadata(torrent);
        Assert.True(await liar.ClosedByPeerAsync(TimeSpan.FromSeconds(20)), "a peer that claimed a piece beyond the end was kept");
    }

    [Fact]
    public async Task A_magnet_with_a_file_selection_fetches_only_those_files_once_the_metadata_arrives()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("set", [("a.bin", 200_000), ("b.bin", 200_000), ("c.bin", 200_000)], pieceLength: 16 * 1024,
            version: TorrentVersion.V2);
        var seeder = await h.ClientAsync();
        await seeder.Add(torrent, seedDir).StartAsync();
        var leecher = await h.ClientAsync();
        var magnet = MagnetLink.Parse(torrent.ToMagnetLink() + "&so=1");
        var leech = leecher.Add(magnet, h.NewDir(), new TorrentOptions { Peers = [EngineHarness.EndPoint(seeder)] });
        await leech.StartAsync();
        leech.SetMetadata(torrent);
        await EngineHarness.WaitCompleteAsync(leech);
        EngineHarness.AssertSameFiles(torrent, seedDir, leech.SaveDirectory, f => f.Path.EndsWith("b.bin", StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(leech.SaveDirectory, "set", "c.bin")));
    }
}

using Shoal.Metainfo;

namespace Shoal.Tests.Engine;

public class SwarmTests
{
    [Theory]
    [InlineData(TorrentVersion.V1)]
    [InlineData(TorrentVersion.V2)]
    [InlineData(TorrentVersion.Hybrid)]
    public async Task Seed_to_leecher_multi_file_with_pieces_across_files_and_empty_files(TorrentVersion version)
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("album", [
            ("a.bin", 100_000), ("empty.txt", 0), ("sub/b.bin", 33_000), ("sub/c.bin", 1), ("sub/deeper/d.bin", 300_000)], version);
        var seeder = await h.ClientAsync();
        var seed = seeder.Add(torrent, seedDir);
        await seed.StartAsync();
        await EngineHarness.WaitCompleteAsync(seed);

        var leecher = await h.ClientAsync();
        string dir = h.NewDir();
        var leech = leecher.Add(torrent, dir, new TorrentOptions { Peers = [EngineHarness.EndPoint(seeder)] });
        await leech.StartAsync();
        await EngineHarness.WaitCompleteAsync(leech);

        EngineHarness.AssertSameFiles(torrent, seedDir, dir);
        // Padding files (BEP 47) are zeros in piece space only: never created on disk.
        var pads = torrent.Files.Where(f => f.IsPadding).ToList();
        Assert.Equal(version == TorrentVersion.Hybrid, pads.Count > 0);
        Assert.All(pads, pad => Assert.False(File.Exists(Path.Combine([dir, .. pad.PathComponents])), $"{pad.Path} was created"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir, ".pad", SearchOption.AllDirectories));
        var status = leech.GetStatus();
        Assert.Equal(TorrentState.Seeding, status.State);
        Assert.Equal(1.0, status.Progress);
        Assert.True(status.Downloaded >= torrent.DataSize - torrent.Files.Where(f => f.IsPadding).Sum(f => f.Length));
    }

    [Fact]
    public async Task A_seed_reads_what_it_uploads_within_the_clients_disk_slots_and_the_leecher_completes()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 700_000)]);
        var seeder = await h.ClientAsync();
        int slots = seeder.DiskSlots.CurrentCount, reads = 0, outside = 0;
        seeder.BeforeBlocksRead = _ =>
        {
            Interlocked.Increment(ref reads);
            if (seeder.DiskSlots.CurrentCount >= slots)
                Interlocked.Increment(ref outside); // no slot taken for this read
        };
        var seed = seeder.Add(torrent, seedDir);
        await seed.StartAsync();
        await EngineHarness.WaitCompleteAsync(seed);
        var leecher = await h.ClientAsync();
        var leech = leecher.Add(torrent, h.NewDir(), new TorrentOptions { Peers = [EngineHarness.EndPoint(seeder)] });
        await leech.StartAsync();
        await EngineHarness.WaitCompleteAsync(leech);
        EngineHarness.AssertSameFiles(torrent, seedDir, leech.SaveDirectory);
        Assert.True(Volatile.Read(ref reads) > 0, "no upload read seen");
        Assert.Equal(0, Volatile.Read(ref outside));
    }
}

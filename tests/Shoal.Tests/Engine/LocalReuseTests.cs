using Shoal.Metainfo;
using Shoal.Storage;

namespace Shoal.Tests.Engine;

/// <summary>A new version of a torrent takes what the client already holds of the old one (BEP 38 hints, v2 pieces roots) and downloads only the rest.</summary>
public class LocalReuseTests
{
    private const int PieceLength = 32 * 1024;

    /// <summary>Ten files of odd sizes (so v1 pieces span files), as version 1 in a folder of its own.</summary>
    private static async Task<(Torrent Torrent, string Dir)> VersionOneAsync(EngineHarness harness, TorrentVersion version) =>
        await harness.CreateAsync("app-v1", [.. Enumerable.Range(0, 10).Select(i => ($"part{i}.bin", 100_003 + i * 1_717))], version, PieceLength);

    /// <summary>Version 2: the same files under a new name with one of them (<paramref name="changed"/>) rewritten, seeded from its own folder.</summary>
    private static async Task<(Torrent Torrent, string Dir)> VersionTwoAsync(EngineHarness harness, string oldDir, int changed, TorrentBuilder builder)
    {
        string dir = harness.NewDir("v2");
        string folder = Path.Combine(dir, "app-v2");
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.GetFiles(Path.Combine(oldDir, "app-v1")))
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        string rewritten = Path.Combine(folder, $"part{changed}.bin");
        File.WriteAllBytes(rewritten, TestData.Random((int)new FileInfo(rewritten).Length, 99));
        return (await builder.BuildAsync(folder), dir);
    }

    private static async Task<(TorrentSession Session, long ChangedSize)> FetchAsync(EngineHarness harness, Torrent one, string oneDir, Torrent two, string twoDir, int changed)
    {
        var seed = await harness.ClientAsync();
        var seeding = seed.Add(two, twoDir);
        await seeding.StartAsync();
        await EngineHarness.WaitUntilAsync(() => seeding.State == TorrentState.Seeding, 30, "the seed of version 2");
        var follower = await harness.ClientAsync();
        var old = follower.Add(one, oneDir);
        await old.StartAsync();
        await EngineHarness.WaitUntilAsync(() => old.State == TorrentState.Seeding, 30, "version 1 complete on the follower");
        string target = harness.NewDir("follower-v2");
        var session = follower.Add(two, target, new TorrentOptions { Peers = [EngineHarness.EndPoint(seed)] });
        await session.StartAsync();
        await EngineHarness.WaitCompleteAsync(session);
        EngineHarness.AssertSameFiles(two, twoDir, target);
        EngineHarness.AssertSameFiles(one, oneDir, oneDir); // version 1 untouched
        return (session, two.Files.Single(f => f.Path.EndsWith($"part{changed}.bin", StringComparison.Ordinal)).Length);
    }

    [Fact]
    public async Task A_v1_version_naming_the_old_one_similar_downloads_the_changed_file_and_at_most_a_piece_per_neighbour()
    {
        await using var harness = new EngineHarness();
        var (one, oneDir) = await VersionOneAsync(harness, TorrentVersion.V1);
        var (two, twoDir) = await VersionTwoAsync(harness, oneDir, changed: 4,
            new TorrentBuilder { PieceLength = PieceLength, Similar = [one.InfoHashes.V1!.Value] });
        Assert.Equal([one.InfoHashes.V1!.Value], TorrentParser.Parse(two.ToBytes()).Similar);

        var (session, changedSize) = await FetchAsync(harness, one, oneDir, two, twoDir, changed: 4);
        var status = session.GetStatus();
        // All ten are copied in (a v1 file is known only by its path and length); the check finds the changed one's pieces bad.
        Assert.Equal(DataSize(two), status.ReusedBytes);
        Assert.True(status.Downloaded <= changedSize + 2 * PieceLength, $"downloaded {status.Downloaded} for a changed file of {changedSize}");
        Assert.True(status.Downloaded >= changedSize - 2 * PieceLength, $"downloaded {status.Downloaded}: the changed file must come from the seed");
    }

    [Fact]
    public async Task A_v2_version_reuses_files_by_their_pieces_root_without_any_hint_and_downloads_only_the_changed_one()
    {
        await using var harness = new EngineHarness();
        var (one, oneDir) = await VersionOneAsync(harness, TorrentVersion.V2);
        var (two, twoDir) = await VersionTwoAsync(harness, oneDir, changed: 7, new TorrentBuilder { PieceLength = PieceLength, Version = TorrentVersion.V2 });

        var (session, changedSize) = await FetchAsync(harness, one, oneDir, two, twoDir, changed: 7);
        var status = session.GetStatus();
        Assert.Equal(DataSize(two) - changedSize, status.ReusedBytes); // the changed file's root differs: it is not copied
        Assert.True(status.Downloaded <= changedSize + PieceLength, $"downloaded {status.Downloaded} for a changed file of {changedSize}");
    }

    [Fact]
    public async Task Without_a_hint_a_v1_torrent_takes_nothing_from_another_and_collections_are_a_hint()
    {
        await using var harness = new EngineHarness();
        var (one, oneDir) = await VersionOneAsync(harness, TorrentVersion.V1);
        var (plain, _) = await VersionTwoAsync(harness, oneDir, changed: 1, new TorrentBuilder { PieceLength = PieceLength });
        string target = harness.NewDir("target");
        Assert.Empty(LocalReuse.Find(plain, target, [(one, oneDir)]));

        var inCollection = one with { Collections = ["org.example.app"] };
        var (collected, _) = await VersionTwoAsync(harness, oneDir, changed: 1, new TorrentBuilder { PieceLength = PieceLength, Collections = ["org.example.app"] });
        var placements = LocalReuse.Find(collected, target, [(inCollection, oneDir)]);
        Assert.Equal(10, placements.Count);
    }

    [Fact]
    public async Task Between_hybrid_torrents_a_changed_file_is_not_taken_by_its_name_however_related_they_are()
    {
        await using var harness = new EngineHarness();
        var (one, oneDir) = await VersionOneAsync(harness, TorrentVersion.Hybrid);
        var (two, _) = await VersionTwoAsync(harness, oneDir, changed: 2,
            new TorrentBuilder { PieceLength = PieceLength, Version = TorrentVersion.Hybrid, Similar = [one.InfoHashes.V1!.Value] });
        var placements = LocalReuse.Find(two, harness.NewDir("target"), [(one, oneDir)]);
        Assert.Equal(9, placements.Count);
        Assert.DoesNotContain(placements, p => p.File.Path.EndsWith("part2.bin", StringComparison.Ordinal));
    }

    private static long DataSize(Torrent torrent) => torrent.Files.Where(f => !f.IsPadding).Sum(f => f.Length);
}

using Shoal.Metainfo;

namespace Shoal.Tests.Engine;

/// <summary>Moving a torrent's data and renaming its files: on disk, with what was verified kept verified.</summary>
public class RelocationTests
{
    /// <summary>A seed of a folder "set" with a file and a subfolder, seeding from <c>SeedDir</c>.</summary>
    private static async Task<(TorrentSession Session, Torrent Torrent, string SeedDir)> SeedingAsync(EngineHarness harness)
    {
        var (torrent, seedDir) = await harness.CreateAsync("set", [("a.bin", 100_000), ("sub/b.bin", 60_000)]);
        var client = await harness.ClientAsync();
        var session = client.Add(torrent, seedDir);
        await session.StartAsync();
        await EngineHarness.WaitUntilAsync(() => session.State == TorrentState.Seeding, 30, "seeding");
        return (session, torrent, seedDir);
    }

    [Fact]
    public async Task A_seed_moved_to_another_folder_keeps_its_pieces_without_hashing_them_again()
    {
        await using var harness = new EngineHarness();
        var (session, torrent, seedDir) = await SeedingAsync(harness);

        string target = harness.NewDir("moved");
        await session.MoveAsync(target, moveData: true);
        Assert.Equal(target, session.SaveDirectory);
        Assert.False(Directory.Exists(Path.Combine(seedDir, "set")));
        await EngineHarness.WaitUntilAsync(() => session.State == TorrentState.Seeding, 30, "seeding again");
        Assert.Equal(StartCheck.ResumeData, session.LastCheck);
        Assert.Equal(torrent.PieceCount, session.VerifiedPieces.SetIndices().Count());
    }

    [Fact]
    public async Task A_renamed_folder_is_renamed_on_disk_and_the_seed_goes_on_from_its_resume_data()
    {
        await using var harness = new EngineHarness();
        var (session, torrent, seedDir) = await SeedingAsync(harness);

        await session.RenamePathAsync("set/sub", "inner");
        await session.RenamePathAsync("set", "renamed");
        Assert.True(File.Exists(Path.Combine(seedDir, "renamed", "inner", "b.bin")));
        Assert.Equal("renamed", session.Name);
        Assert.Equal(["renamed/a.bin", "renamed/inner/b.bin"], session.Torrent!.Files.Select(f => f.Path));
        Assert.Equal(torrent.InfoHashes.Primary, session.Torrent.InfoHashes.Primary);
        await EngineHarness.WaitUntilAsync(() => session.State == TorrentState.Seeding, 30, "seeding again");
        Assert.Equal(StartCheck.ResumeData, session.LastCheck);
    }

    [Theory]
    [InlineData("set/nothing", "x")]
    [InlineData("set/a.bin", "b/c")]
    [InlineData("set/a.bin", "..")]
    [InlineData("set/a.bin", "")]
    [InlineData("set/a.bin", "sub")] // already there
    public async Task A_rename_of_nothing_or_to_a_bad_or_taken_name_is_refused(string path, string name)
    {
        await using var harness = new EngineHarness();
        var (torrent, _) = await harness.CreateAsync("set", [("a.bin", 1000), ("sub/b.bin", 1000)]);
        Assert.Throws<ArgumentException>(() => torrent.Renamed(path, name));
    }
}

using Shoal.Metainfo;

namespace Shoal.Tests.Engine;

public class SwarmBehaviourTests
{
    [Fact]
    public async Task Leechers_trade_pieces_with_each_other_when_the_seed_is_slow()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 1_500_000)]);
        var seeder = await h.ClientAsync(o => o with { MaxUploadRate = 512 * 1024 });
        var seed = seeder.Add(torrent, seedDir);
        await seed.StartAsync();
        var clients = new List<ShoalClient>();
        for (int i = 0; i < 3; i++)
            clients.Add(await h.ClientAsync());
        var leechers = new List<TorrentSession>();
        foreach (var client in clients)
        {
            var peers = clients.Where(c => c != client).Select(EngineHarness.EndPoint).Append(EngineHarness.EndPoint(seeder)).ToList();
            leechers.Add(client.Add(torrent, h.NewDir(), new TorrentOptions { Peers = peers }));
        }
        foreach (var leecher in leechers)
            await leecher.StartAsync();
        foreach (var leecher in leechers)
            await EngineHarness.WaitCompleteAsync(leecher, 90);
        foreach (var leecher in leechers)
            EngineHarness.AssertSameFiles(torrent, seedDir, leecher.SaveDirectory);
        long traded = leechers.Sum(l => l.GetStatus().Uploaded);
        Assert.True(traded > 0, "leechers uploaded nothing to each other");
        // Every byte a leecher got came from the seed or another leecher; the seed sent less than three copies.
        Assert.True(seed.GetStatus().Uploaded < 3 * torrent.TotalSize, $"seed uploaded {seed.GetStatus().Uploaded}");
    }

    [Fact]
    public async Task Pause_then_resume_finishes_without_fetching_verified_pieces_again()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 2_000_000)]);
        var seeder = await h.ClientAsync(o => o with { MaxUploadRate = 1024 * 1024 });
        await seeder.Add(torrent, seedDir).StartAsync();
        var leecher = await h.ClientAsync();
        var leech = leecher.Add(torrent, h.NewDir(), new TorrentOptions { Peers = [EngineHarness.EndPoint(seeder)] });
        await leech.StartAsync();
        await EngineHarness.WaitUntilAsync(() => leech.GetStatus().Progress >= 0.25, 60, "a quarter of the data");
        await leech.PauseAsync();
        Assert.Equal(TorrentState.Paused, leech.State);
        var paused = leech.GetStatus();
        Assert.Equal(0, paused.Peers);
        Assert.True(paused.Progress < 1);

        await leech.StartAsync();
        await EngineHarness.WaitCompleteAsync(leech);
        Assert.Equal(StartCheck.ResumeData, leech.LastCheck);
        EngineHarness.AssertSameFiles(torrent, seedDir, leech.SaveDirectory);
        // After the resume only what was not verified at the pause is fetched (plus endgame
        // duplicates); overall, the pause cost at most the few pieces that were incomplete then.
        long fetchedAfter = leech.GetStatus().Downloaded - paused.Downloaded;
        Assert.True(fetchedAfter <= torrent.TotalSize - paused.VerifiedBytes + 2 * torrent.PieceLength,
            $"fetched {fetchedAfter} after the resume; {paused.VerifiedBytes} of {torrent.TotalSize} were verified at the pause");
        long fetched = leech.GetStatus().Downloaded;
        Assert.True(fetched <= torrent.TotalSize + 4 * torrent.PieceLength, $"downloaded {fetched} of {torrent.TotalSize}: the pause wasted more than four pieces");
    }

    [Fact]
    public async Task File_selection_fetches_only_the_chosen_files_and_their_boundary_pieces()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("set", [("a.bin", 100_000), ("b.bin", 200_000), ("c.bin", 150_000), ("d.bin", 300_000)]);
        var seeder = await h.ClientAsync();
        await seeder.Add(torrent, seedDir).StartAsync();
        var leecher = await h.ClientAsync();
        string dir = h.NewDir();
        int[] priorities = [.. torrent.Files.Select(f => f.Path.EndsWith("b.bin", StringComparison.Ordinal) ? 1 : 0)];
        var leech = leecher.Add(torrent, dir, new TorrentOptions { Peers = [EngineHarness.EndPoint(seeder)], FilePriorities = priorities });
        await leech.StartAsync();
        await EngineHarness.WaitCompleteAsync(leech);
        EngineHarness.AssertSameFiles(torrent, seedDir, dir, f => f.Path.EndsWith("b.bin", StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(dir, "set", "d.bin")), "d.bin shares no piece with b.bin but was written");
        var status = leech.GetStatus();
        Assert.True(status.Downloaded < torrent.TotalSize / 2, $"downloaded {status.Downloaded} for a 200 kB selection");
        Assert.Equal(1.0, status.Progress);
    }

    [Fact]
    public async Task Restart_with_unchanged_files_trusts_resume_data_and_a_changed_file_is_hashed_again()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 300_000)]);
        string resume = Path.Combine(h.Root, "resume-shared");
        var first = await h.ClientAsync(o => o with { ResumeDirectory = resume });
        var session = first.Add(torrent, seedDir);
        await session.StartAsync();
        await EngineHarness.WaitCompleteAsync(session);
        Assert.Equal(StartCheck.Hashed, session.LastCheck);
        await first.DisposeAsync();
        Assert.True(File.Exists(Path.Combine(resume, torrent.InfoHashes.Primary.ToHex() + ".resume")));

        var second = await h.ClientAsync(o => o with { ResumeDirectory = resume });
        var again = second.Add(torrent, seedDir);
        await again.StartAsync();
        await EngineHarness.WaitCompleteAsync(again);
        Assert.Equal(StartCheck.ResumeData, again.LastCheck);
        await second.DisposeAsync();

        // Corrupt one byte behind Shoal's back: the times no longer match, so the data is hashed and the piece is not trusted.
        string file = Path.Combine(seedDir, "data.bin");
        var bytes = File.ReadAllBytes(file);
        bytes[100_000] ^= 0xFF;
        File.WriteAllBytes(file, bytes);
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddMinutes(1));
        var third = await h.ClientAsync(o => o with { ResumeDirectory = resume });
        var checkedAgain = third.Add(torrent, seedDir);
        await checkedAgain.StartAsync();
        await EngineHarness.WaitUntilAsync(() => checkedAgain.State == TorrentState.Downloading, 30, "the check to finish");
        Assert.Equal(StartCheck.Hashed, checkedAgain.LastCheck);
        Assert.False(checkedAgain.VerifiedPieces[100_000 / torrent.PieceLength]);
        Assert.Equal(torrent.PieceCount - 1, checkedAgain.VerifiedPieces.SetCount);
    }

    [Fact]
    public async Task Download_cap_is_never_exceeded()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 1_000_000)]);
        var seeder = await h.ClientAsync();
        await seeder.Add(torrent, seedDir).StartAsync();
        const long cap = 256 * 1024;
        var leecher = await h.ClientAsync(o => o with { MaxDownloadRate = cap });
        var leech = leecher.Add(torrent, h.NewDir(), new TorrentOptions { Peers = [EngineHarness.EndPoint(seeder)] });
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await leech.StartAsync();
        await EngineHarness.WaitCompleteAsync(leech);
        clock.Stop();
        // An upper bound only (a slow machine may be slower, never faster): the cap plus one burst.
        double allowed = cap * clock.Elapsed.TotalSeconds * 1.1 + 64 * 1024;
        Assert.True(leech.GetStatus().Downloaded <= allowed, $"{leech.GetStatus().Downloaded} bytes in {clock.Elapsed.TotalSeconds:0.0}s exceeds the {cap} B/s cap");
    }

    [Fact]
    public async Task Upload_cap_holds_end_to_end_over_a_twenty_second_window()
    {
        await using var h = new EngineHarness();
        const long cap = 128 * 1024;
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 4_000_000)]);
        var seeder = await h.ClientAsync(o => o with { MaxUploadRate = cap });
        await seeder.Add(torrent, seedDir).StartAsync();
        var leecher = await h.ClientAsync();
        var leech = leecher.Add(torrent, h.NewDir(), new TorrentOptions { Peers = [EngineHarness.EndPoint(seeder)] });
        await leech.StartAsync();
        await EngineHarness.WaitUntilAsync(() => leech.GetStatus().Downloaded > 0, 30, "the first block");
        long before = leech.GetStatus().Downloaded;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(20)); // the measured window itself, not a wait for a state
        long received = leech.GetStatus().Downloaded - before;
        double seconds = clock.Elapsed.TotalSeconds;
        Assert.False(leech.Completed.IsCompleted, "the transfer ended inside the window");
        Assert.True(received > 0);
        // An upper bound only: the cap over the window plus one burst of the limiter and a batch in flight.
        Assert.True(received <= cap * seconds * 1.05 + 256 * 1024, $"{received} bytes in {seconds:0.0}s through a {cap} B/s upload cap");
    }

    [Fact]
    public async Task A_full_disk_stops_that_torrent_with_a_clear_error_and_others_go_on()
    {
        await using var h = new EngineHarness();
        var (big, bigSeed) = await h.CreateAsync("big.bin", [("big.bin", 2_000_000)], seed: 3);
        var (small, smallSeed) = await h.CreateAsync("small.bin", [("small.bin", 200_000)], seed: 4);
        var seeder = await h.ClientAsync();
        await seeder.Add(big, bigSeed).StartAsync();
        await seeder.Add(small, smallSeed).StartAsync();
        await using var mounted = await h.MountTmpfsAsync("size=512k");
        var leecher = await h.ClientAsync();
        var doomed = leecher.Add(big, mounted.Path, new TorrentOptions { Peers = [EngineHarness.EndPoint(seeder)] });
        var fine = leecher.Add(small, h.NewDir(), new TorrentOptions { Peers = [EngineHarness.EndPoint(seeder)] });
        await doomed.StartAsync();
        await fine.StartAsync();
        await EngineHarness.WaitUntilAsync(() => doomed.State == TorrentState.Error, 60, "the disk-full error");
        Assert.Contains("No space left on device", doomed.GetStatus().Error);
        await EngineHarness.WaitCompleteAsync(fine);
        EngineHarness.AssertSameFiles(small, smallSeed, fine.SaveDirectory);
        await leecher.DisposeAsync();
    }

    [Fact]
    public async Task A_read_only_folder_stops_the_torrent_with_a_clear_error()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 200_000)]);
        var seeder = await h.ClientAsync();
        await seeder.Add(torrent, seedDir).StartAsync();
        await using var mounted = await h.MountTmpfsAsync("ro,size=1m", "ro");
        var leecher = await h.ClientAsync();
        var leech = leecher.Add(torrent, mounted.Path, new TorrentOptions { Peers = [EngineHarness.EndPoint(seeder)] });
        await leech.StartAsync();
        await EngineHarness.WaitUntilAsync(() => leech.State == TorrentState.Error, 60, "the read-only error");
        Assert.Contains("Read-only file system", leech.GetStatus().Error);
        await leecher.DisposeAsync();
    }

    [Fact]
    public async Task Peers_connect_over_ipv6()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 300_000)]);
        var seeder = await h.ClientAsync(o => o with { ListenAddresses = [System.Net.IPAddress.IPv6Loopback] });
        await seeder.Add(torrent, seedDir).StartAsync();
        var leecher = await h.ClientAsync(o => o with { ListenAddresses = [System.Net.IPAddress.IPv6Loopback] });
        var leech = leecher.Add(torrent, h.NewDir(), new TorrentOptions { Peers = [new System.Net.IPEndPoint(System.Net.IPAddress.IPv6Loopback, seeder.ListenPort)] });
        await leech.StartAsync();
        await EngineHarness.WaitCompleteAsync(leech);
        EngineHarness.AssertSameFiles(torrent, seedDir, leech.SaveDirectory);
    }

    [Fact]
    public async Task Several_torrents_share_one_client_and_port()
    {
        await using var h = new EngineHarness();
        var (a, aDir) = await h.CreateAsync("a.bin", [("a.bin", 200_000)], seed: 10);
        var (b, bDir) = await h.CreateAsync("b", [("x.bin", 150_000), ("y.bin", 90_000)], version: TorrentVersion.Hybrid, seed: 11);
        var seeder = await h.ClientAsync();
        await seeder.Add(a, aDir).StartAsync();
        await seeder.Add(b, bDir).StartAsync();
        var leecher = await h.ClientAsync();
        string dir = h.NewDir();
        var leechA = leecher.Add(a, dir, new TorrentOptions { Peers = [EngineHarness.EndPoint(seeder)] });
        var leechB = leecher.Add(b, dir, new TorrentOptions { Peers = [EngineHarness.EndPoint(seeder)] });
        Assert.Throws<InvalidOperationException>(() => leecher.Add(a, dir));
        await leechA.StartAsync();
        await leechB.StartAsync();
        await EngineHarness.WaitCompleteAsync(leechA);
        await EngineHarness.WaitCompleteAsync(leechB);
        EngineHarness.AssertSameFiles(a, aDir, dir);
        EngineHarness.AssertSameFiles(b, bDir, dir);
    }
}

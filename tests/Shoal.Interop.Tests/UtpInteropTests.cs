using Shoal.Tests.Common;

namespace Shoal.Interop.Tests;

/// <summary>
/// uTP against the reference clients, both directions: libtorrent with TCP turned off (so only
/// uTP can carry the data), and Transmission 3.00 dialled by a Shoal that dials over uTP only.
/// </summary>
public class UtpInteropTests
{
    private static readonly TimeSpan TransferTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Shoal_leeches_from_a_libtorrent_seed_that_speaks_only_utp()
    {
        using var swarm = new SwarmInterop();
        var (torrent, seedDir) = await swarm.SampleAsync("data", multi: true);
        var (_, port) = await swarm.LibtorrentAsync("seed", torrent, seedDir, "--transport", "utp");
        string dir = swarm.Dir("shoal");
        await swarm.ShoalGetAsync(torrent, dir, "--peer", $"127.0.0.1:{port}", "--transport", "utp");
        SwarmInterop.AssertSame(seedDir, dir);
    }

    [Fact]
    public async Task Libtorrent_speaking_only_utp_leeches_from_a_shoal_seed()
    {
        using var swarm = new SwarmInterop();
        var (torrent, seedDir) = await swarm.SampleAsync("data", version: "hybrid", multi: true);
        var (seed, seedPort) = await swarm.ShoalSeedAsync(torrent, seedDir);
        await seed.WaitForLineAsync(l => l.Contains("seeding"), TimeSpan.FromSeconds(30), "the shoal seed to start");
        string dir = swarm.Dir("lt");
        var (leecher, _) = await swarm.LibtorrentAsync("leech", torrent, dir, "--peer", $"127.0.0.1:{seedPort}", "--exit-when-done", "--transport", "utp");
        await SwarmInterop.WaitLibtorrentDoneAsync(leecher);
        SwarmInterop.AssertSame(seedDir, dir);
    }

    [Fact]
    public async Task Encrypted_and_over_utp_only_shoal_and_libtorrent_trade_both_ways()
    {
        using var swarm = new SwarmInterop();
        var (torrent, seedDir) = await swarm.SampleAsync("data", multi: true);
        // libtorrent -> Shoal: RC4 required on both sides, uTP only.
        var (_, port) = await swarm.LibtorrentAsync("seed", torrent, seedDir, "--transport", "utp", "--encryption", "forced");
        string dir = swarm.Dir("shoal");
        await swarm.ShoalGetAsync(torrent, dir, "--peer", $"127.0.0.1:{port}", "--transport", "utp", "--encryption", "require");
        SwarmInterop.AssertSame(seedDir, dir);

        // Shoal -> libtorrent: the same data back the other way, from a Shoal seed that requires RC4 and speaks only uTP.
        var (seed, seedPort) = await swarm.ShoalSeedAsync(torrent, dir, "--transport", "utp", "--encryption", "require");
        await seed.WaitForLineAsync(l => l.Contains("seeding"), TimeSpan.FromSeconds(30), "the shoal seed to start");
        string back = swarm.Dir("lt");
        var (leecher, _) = await swarm.LibtorrentAsync("leech", torrent, back, "--peer", $"127.0.0.1:{seedPort}", "--exit-when-done",
            "--transport", "utp", "--encryption", "forced");
        await SwarmInterop.WaitLibtorrentDoneAsync(leecher);
        SwarmInterop.AssertSame(seedDir, back);
    }

    [Fact]
    public async Task Shoal_dialling_only_over_utp_leeches_from_a_transmission_seed()
    {
        using var swarm = new SwarmInterop();
        var (torrent, seedDir) = await swarm.SampleAsync("data", multi: true);
        var (_, port) = await swarm.TransmissionAsync(torrent, seedDir);
        string dir = swarm.Dir("shoal");
        await swarm.ShoalGetAsync(torrent, dir, "--peer", $"127.0.0.1:{port}", "--transport", "utp");
        SwarmInterop.AssertSame(seedDir, dir);
    }

    [Fact]
    public async Task Transmission_leeches_from_a_shoal_seed_that_dials_it_only_over_utp()
    {
        // Transmission never dials loopback peers: the Shoal seed learns it from the tracker and dials it.
        using var swarm = new SwarmInterop();
        var (torrent, seedDir) = await swarm.SampleAsync("data");
        int trackerPort = await swarm.OpenTrackerAsync(torrent);
        SwarmInterop.SetTracker(torrent, SwarmInterop.HttpTracker(trackerPort));
        var (seed, _) = await swarm.ShoalSeedAsync(torrent, seedDir, "--transport", "utp");
        string dir = swarm.Dir("transmission");
        var (leecher, _) = await swarm.TransmissionAsync(torrent, dir);
        await SwarmInterop.WaitSameAsync(seedDir, dir, TransferTimeout, () => seed.Output + "\n" + SwarmInterop.Tail(leecher.Output, 2000));
    }
}

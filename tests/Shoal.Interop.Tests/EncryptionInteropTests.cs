using Shoal.Tests.Common;

namespace Shoal.Interop.Tests;

/// <summary>
/// MSE/PE against the reference clients, both directions, with encryption required on both
/// sides: Shoal with --encryption require takes RC4 connections only, so each completed
/// transfer crossed an RC4 stream. (The other tests run Shoal's default, prefer, against the
/// same clients' defaults.)
/// </summary>
public class EncryptionInteropTests
{
    private static readonly TimeSpan TransferTimeout = TimeSpan.FromSeconds(90);
    private static readonly string[] Require = ["--encryption", "require"];

    [Fact]
    public async Task Shoal_requiring_encryption_leeches_from_a_libtorrent_seed_that_forces_it()
    {
        using var swarm = new SwarmInterop();
        var (torrent, seedDir) = await swarm.SampleAsync("data", multi: true);
        var (_, port) = await swarm.LibtorrentAsync("seed", torrent, seedDir, "--encryption", "forced");
        string dir = swarm.Dir("shoal");
        await swarm.ShoalGetAsync(torrent, dir, ["--peer", $"127.0.0.1:{port}", .. Require]);
        SwarmInterop.AssertSame(seedDir, dir);
    }

    [Fact]
    public async Task Libtorrent_forcing_encryption_leeches_from_a_shoal_seed_that_requires_it()
    {
        using var swarm = new SwarmInterop();
        var (torrent, seedDir) = await swarm.SampleAsync("data", version: "hybrid", multi: true);
        var (seed, seedPort) = await swarm.ShoalSeedAsync(torrent, seedDir, Require);
        await seed.WaitForLineAsync(l => l.Contains("seeding"), TimeSpan.FromSeconds(30), "the shoal seed to start");
        string dir = swarm.Dir("lt");
        var (leecher, _) = await swarm.LibtorrentAsync("leech", torrent, dir, "--peer", $"127.0.0.1:{seedPort}", "--exit-when-done", "--encryption", "forced");
        await SwarmInterop.WaitLibtorrentDoneAsync(leecher);
        SwarmInterop.AssertSame(seedDir, dir);
    }

    [Fact]
    public async Task Shoal_requiring_encryption_leeches_from_a_transmission_seed_that_requires_it()
    {
        using var swarm = new SwarmInterop();
        var (torrent, seedDir) = await swarm.SampleAsync("data", multi: true);
        var (_, port) = await swarm.TransmissionAsync(torrent, seedDir, "-er");
        string dir = swarm.Dir("shoal");
        await swarm.ShoalGetAsync(torrent, dir, ["--peer", $"127.0.0.1:{port}", .. Require]);
        SwarmInterop.AssertSame(seedDir, dir);
    }

    [Fact]
    public async Task Transmission_requiring_encryption_leeches_from_a_shoal_seed_that_requires_it()
    {
        // Transmission never dials loopback peers: the Shoal seed learns it from the tracker and dials it.
        using var swarm = new SwarmInterop();
        var (torrent, seedDir) = await swarm.SampleAsync("data");
        int trackerPort = await swarm.OpenTrackerAsync(torrent);
        SwarmInterop.SetTracker(torrent, SwarmInterop.HttpTracker(trackerPort));
        var (seed, _) = await swarm.ShoalSeedAsync(torrent, seedDir, Require);
        string dir = swarm.Dir("transmission");
        var (leecher, _) = await swarm.TransmissionAsync(torrent, dir, "-er");
        await SwarmInterop.WaitSameAsync(seedDir, dir, TransferTimeout, () => seed.Output + "\n" + SwarmInterop.Tail(leecher.Output, 2000));
    }

    [Fact]
    public async Task Shoal_requiring_encryption_leeches_from_an_aria2_seed_that_requires_it()
    {
        using var swarm = new SwarmInterop();
        var (torrent, seedDir) = await swarm.SampleAsync("data", multi: true);
        var (_, port) = await swarm.AriaSeedAsync(torrent, seedDir, SwarmInterop.AriaRequireCrypto);
        string dir = swarm.Dir("shoal");
        await swarm.ShoalGetAsync(torrent, dir, ["--peer", $"127.0.0.1:{port}", .. Require]);
        SwarmInterop.AssertSame(seedDir, dir);
    }

    [Fact]
    public async Task Aria2_requiring_encryption_leeches_from_a_shoal_seed_that_requires_it()
    {
        using var swarm = new SwarmInterop();
        var (torrent, seedDir) = await swarm.SampleAsync("data", multi: true);
        int trackerPort = await swarm.OpenTrackerAsync(torrent);
        SwarmInterop.SetTracker(torrent, SwarmInterop.HttpTracker(trackerPort));
        var (seed, _) = await swarm.ShoalSeedAsync(torrent, seedDir, Require);
        string dir = swarm.Dir("aria2");
        var leecher = swarm.AriaLeech(torrent, dir, SwarmInterop.AriaRequireCrypto);
        int code = await leecher.WaitForExitAsync(TransferTimeout);
        Assert.True(code == 0, $"aria2 exited {code}:\n{leecher.Output}\n{seed.Output}");
        SwarmInterop.AssertSame(seedDir, dir);
    }
}

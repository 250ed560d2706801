using System.Text.Json;

namespace Shoal.Interop.Tests;

/// <summary>BEP 11 with libtorrent, both ways: each learns a third peer from the other's PEX, and from nothing else, and connects to it.</summary>
public class PeerExchangeInteropTests
{
    [Fact]
    public async Task Shoal_learns_a_third_peer_from_libtorrent_and_connects_to_it()
    {
        using var swarm = new SwarmInterop();
        var (torrent, seedDir) = await swarm.SampleAsync("data");
        // The third peer: a Shoal seed that finds nobody by itself (no PEX, no tracker reachable).
        // So slow that libtorrent, downloading from it, cannot finish (and drop it) for minutes:
        // it is still connected whenever libtorrent's once-a-minute PEX message goes out.
        var (third, thirdPort) = await swarm.ShoalSeedAsync(torrent, seedDir, "--no-pex", "--max-up", "8KiB");
        await third.WaitForLineAsync(l => l.Contains("seeding"), TimeSpan.FromSeconds(30), "the third peer to seed");
        // libtorrent knows the third peer (it dials it) and, once it has two peers, tells Shoal about it.
        var (_, ltPort) = await swarm.LibtorrentAsync("leech", torrent, swarm.Dir("lt"), "--peer", $"127.0.0.1:{thirdPort}");
        // Slow enough to still be downloading when libtorrent's first PEX message comes (up to a
        // minute): 3 MB at 16 KiB/s, at most, takes three minutes.
        var get = swarm.ShoalGet(torrent, swarm.Dir("shoal"), "--peer", $"127.0.0.1:{ltPort}", "--max-down", "16KiB", "--log-level", "debug");
        await third.WaitForLineAsync(l => l.StartsWith('{') && JsonDocument.Parse(l).RootElement.GetProperty("peers").GetInt32() >= 2,
            TimeSpan.FromSeconds(100), "the Shoal leecher to dial the third peer it heard of from libtorrent");
        Assert.False(get.HasExited, get.Output);
    }

    [Fact]
    public async Task Libtorrent_learns_a_third_peer_only_from_shoals_pex_and_connects_to_it()
    {
        using var swarm = new SwarmInterop();
        var (torrent, seedDir) = await swarm.SampleAsync("data");
        // The third peer: a slow Shoal seed that tells nobody of anybody (no PEX) and finds nobody itself.
        var (third, thirdPort) = await swarm.ShoalSeedAsync(torrent, seedDir, "--no-pex", "--max-up", "32KiB");
        await third.WaitForLineAsync(l => l.StartsWith('{') && l.Contains("\"state\":\"seeding\""), TimeSpan.FromSeconds(30), "the third peer to seed");
        // The Shoal in the middle dials the third peer (so it may list it) and is dialled by libtorrent.
        var middle = swarm.ShoalGet(torrent, swarm.Dir("shoal"), "--peer", $"127.0.0.1:{thirdPort}", "--max-down", "16KiB");
        int middlePort = await middle.ShoalListenPortAsync();
        await third.WaitForLineAsync(l => l.StartsWith('{') && JsonDocument.Parse(l).RootElement.GetProperty("peers").GetInt32() == 1,
            TimeSpan.FromSeconds(30), "the Shoal in the middle connected to the third peer");
        // libtorrent is told of the middle Shoal only; no tracker, DHT or LSD: the third peer can come only from Shoal's PEX.
        var (leecher, _) = await swarm.LibtorrentAsync("leech", torrent, swarm.Dir("lt"), "--peer", $"127.0.0.1:{middlePort}");
        await third.WaitForLineAsync(l => l.StartsWith('{') && JsonDocument.Parse(l).RootElement.GetProperty("peers").GetInt32() >= 2,
            TimeSpan.FromSeconds(60), "libtorrent to dial the third peer it heard of from Shoal");
        Assert.False(leecher.HasExited, leecher.Output);
    }
}

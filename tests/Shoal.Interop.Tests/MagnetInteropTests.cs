using Shoal.Metainfo;

namespace Shoal.Interop.Tests;

/// <summary>Magnet links between Shoal and libtorrent, both ways: metadata by BEP 9 (and v2 piece layers by BEP 52), then the data.</summary>
public class MagnetInteropTests
{
    private static string Magnet(string torrent, string version, int port)
    {
        var parsed = TorrentParser.Load(torrent);
        // A hybrid link carrying only its v2 hash (urn:btmh) is the hard case: the wire hash is the truncated v2 one.
        var hashes = version == "hybrid" ? new InfoHashes(null, parsed.InfoHashes.V2) : parsed.InfoHashes;
        return new MagnetLink { InfoHashes = hashes, DisplayName = parsed.Name, Peers = [$"127.0.0.1:{port}"] }.ToString();
    }

    [Theory]
    [InlineData("v1")]
    [InlineData("v2")]
    [InlineData("hybrid")]
    public async Task Shoal_fetches_a_magnet_from_a_libtorrent_seed(string version)
    {
        using var swarm = new SwarmInterop();
        var (torrent, seedDir) = await swarm.SampleAsync("data", version: version, multi: true);
        var (_, port) = await swarm.LibtorrentAsync("seed", torrent, seedDir);
        string dir = swarm.Dir("shoal");
        string copy = Path.Combine(swarm.Root, "fetched.torrent");
        await swarm.ShoalGetAsync(Magnet(torrent, version, port), dir, "--save-torrent", copy);
        SwarmInterop.AssertSame(seedDir, dir);
        var original = TorrentParser.Load(torrent);
        var fetched = TorrentParser.Load(copy);
        Assert.Equal(original.InfoBytes.ToArray(), fetched.InfoBytes.ToArray());
        Assert.Equal(original.PieceLayers.Keys.Order(), fetched.PieceLayers.Keys.Order());
    }

    [Theory]
    [InlineData("v1")]
    [InlineData("v2")]
    [InlineData("hybrid")]
    public async Task Libtorrent_fetches_a_magnet_from_a_shoal_seed(string version)
    {
        using var swarm = new SwarmInterop();
        var (torrent, seedDir) = await swarm.SampleAsync("data", version: version, multi: true);
        var (seed, port) = await swarm.ShoalSeedAsync(torrent, seedDir);
        await seed.WaitForLineAsync(l => l.Contains("seeding"), TimeSpan.FromSeconds(30), "the shoal seed to start");
        string dir = swarm.Dir("lt");
        var (leecher, _) = await swarm.LibtorrentAsync("leech", Magnet(torrent, version, port), dir, "--peer", $"127.0.0.1:{port}", "--exit-when-done");
        await SwarmInterop.WaitLibtorrentDoneAsync(leecher);
        SwarmInterop.AssertSame(seedDir, dir);
    }
}

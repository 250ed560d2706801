using Shoal.Metainfo;
using Shoal.Tests.Common;

namespace Shoal.Interop.Tests;

/// <summary>
/// Local service discovery (BEP 14) between hosts of a LAN the test builds from network
/// namespaces: no tracker, no DHT, no peer given; the only way to meet is the multicast announce.
/// </summary>
public class LsdInteropTests
{
    private static string LtScript => Path.Combine(AppContext.BaseDirectory, "Scripts", "lt.py");

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_shoal_leecher_finds_a_shoal_seed_on_the_lan(bool ipv6)
    {
        using var swarm = new SwarmInterop();
        using var lab = await NetworkLab.CreateAsync(2);
        var (torrent, seedDir) = await swarm.SampleAsync("data", multi: true);
        // Over IPv6 both listen on their IPv6 address only: the announce goes to [ff15::efc0:988f]:6771.
        var seed = lab.Shoal(1, swarm.Dir("state-seed"), ["seed", torrent, seedDir, "--port", "0", "--no-dht", "--json"], ipv6);
        await seed.ShoalListenPortAsync();
        string dir = swarm.Dir("shoal");
        var get = lab.Shoal(2, swarm.Dir("state-get"), ["get", torrent, "-o", dir, "--port", "0", "--no-dht", "--json"], ipv6);
        Assert.Equal(0, await get.WaitForExitAsync(TimeSpan.FromSeconds(90)));
        SwarmInterop.AssertSame(seedDir, dir);
    }

    [Fact]
    public async Task A_shoal_leecher_finds_a_libtorrent_seed_on_the_lan()
    {
        using var swarm = new SwarmInterop();
        using var lab = await NetworkLab.CreateAsync(2);
        var (torrent, seedDir) = await swarm.SampleAsync("data", multi: true);
        var seed = lab.Run(1, "/usr/bin/python3", [LtScript, "swarm", "seed", torrent, seedDir, "--bind", lab.Address(1), "--lsd"]);
        await seed.WaitForLineAsync(l => l.StartsWith("port ", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "libtorrent's port");
        string dir = swarm.Dir("shoal");
        var get = lab.Shoal(2, swarm.Dir("state-get"), ["get", torrent, "-o", dir, "--port", "0", "--no-dht", "--json"]);
        Assert.Equal(0, await get.WaitForExitAsync(TimeSpan.FromSeconds(90)));
        SwarmInterop.AssertSame(seedDir, dir);
    }

    [Fact]
    public async Task A_libtorrent_leecher_finds_a_shoal_seed_on_the_lan()
    {
        using var swarm = new SwarmInterop();
        using var lab = await NetworkLab.CreateAsync(2);
        var (torrent, seedDir) = await swarm.SampleAsync("data", multi: true);
        var seed = lab.Shoal(1, swarm.Dir("state-seed"), ["seed", torrent, seedDir, "--port", "0", "--no-dht", "--json"]);
        await seed.ShoalListenPortAsync();
        string dir = swarm.Dir("lt");
        var leecher = lab.Run(2, "/usr/bin/python3", [LtScript, "swarm", "leech", torrent, dir, "--bind", lab.Address(2), "--lsd", "--exit-when-done"]);
        await SwarmInterop.WaitLibtorrentDoneAsync(leecher);
        SwarmInterop.AssertSame(seedDir, dir);
    }

    [Fact]
    public async Task Transmission_given_only_a_magnet_finds_a_shoal_seed_on_the_lan_and_gets_metadata_and_data()
    {
        using var swarm = new SwarmInterop();
        using var lab = await NetworkLab.CreateAsync(2);
        var (torrent, seedDir) = await swarm.SampleAsync("data", size: 1_000_000);
        var seed = lab.Shoal(1, swarm.Dir("state-seed"), ["seed", torrent, seedDir, "--port", "0", "--no-dht", "--json"]);
        await seed.ShoalListenPortAsync();
        // Transmission's local peer discovery is off by default: its settings turn it on (and the rest off).
        string config = swarm.Dir("transmission-config");
        await File.WriteAllTextAsync(Path.Combine(config, "settings.json"),
            """{"lpd-enabled": true, "dht-enabled": false, "pex-enabled": true, "utp-enabled": false, "port-forwarding-enabled": false}""");
        string dir = swarm.Dir("transmission");
        var magnet = new MagnetLink { InfoHashes = TorrentParser.Load(torrent).InfoHashes }.ToString();
        var leecher = lab.Run(2, ProcessRunner.Require("transmission-cli"), ["-g", config, "-w", dir, "-p", "51413", "-et", "-M", magnet]);
        await SwarmInterop.WaitSameAsync(seedDir, dir, TimeSpan.FromSeconds(120),
            () => seed.Output + "\n" + SwarmInterop.Tail(leecher.Output, 2000));
    }

    [Fact]
    public async Task A_private_torrent_is_never_announced_on_the_lan_while_a_public_one_is()
    {
        using var swarm = new SwarmInterop();
        using var lab = await NetworkLab.CreateAsync(2);
        var (open, openDir) = await swarm.SampleAsync("open");
        var (secret, secretDir) = await swarm.SampleAsync("secret", seed: 11);
        string privateTorrent = Path.Combine(swarm.Root, "secret-private.torrent");
        await Reference.CheckedShoal("create", Path.Combine(secretDir, "secret"), "-o", privateTorrent, "--private");
        var watcher = lab.Run(2, "/usr/bin/python3", [Path.Combine(AppContext.BaseDirectory, "Scripts", "lsd_watch.py"), lab.Address(2)]);
        await watcher.WaitForLineAsync(l => l == "ready", TimeSpan.FromSeconds(30), "the LSD watcher");

        // One client seeding both: the data is in place, so `get --seed` checks it and seeds.
        string both = swarm.Dir("both");
        File.Copy(Path.Combine(openDir, "open"), Path.Combine(both, "open"));
        File.Copy(Path.Combine(secretDir, "secret"), Path.Combine(both, "secret"));
        var client = lab.Shoal(1, swarm.Dir("state"), ["get", open, privateTorrent, "-o", both, "--seed", "--port", "0", "--no-dht", "--json"]);
        // A torrent's sources start once its data is checked: both seeding means both would have announced.
        foreach (string name in new[] { "open", "secret" })
            await client.WaitForLineAsync(l => l.Contains($"\"name\":\"{name}\"") && l.Contains("\"state\":\"seeding\""), TimeSpan.FromSeconds(60), name + " seeding");

        string openHash = TorrentParser.Load(open).InfoHashes.V1!.Value.ToHex();
        string secretHash = TorrentParser.Load(privateTorrent).InfoHashes.V1!.Value.ToHex();
        await watcher.WaitForLineAsync(l => l.Contains(openHash), TimeSpan.FromSeconds(60), "the public torrent's announce");
        Assert.Contains(lab.Address(1), watcher.Output);
        // A window for a private announce sent at the same moment to arrive: none may.
        await Assert.ThrowsAsync<TimeoutException>(() => watcher.WaitForLineAsync(l => l.Contains(secretHash), TimeSpan.FromSeconds(2), "a private announce"));
    }
}

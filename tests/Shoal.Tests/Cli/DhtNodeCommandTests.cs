using System.Text.Json;
using Shoal.Metainfo;
using Shoal.Tests.Common;
using Shoal.Tests.Engine;

namespace Shoal.Tests.Cli;

/// <summary>`shoal dht-node` as an organisation's own bootstrap node, with `seed` and a magnet `get` that know only it.</summary>
public class DhtNodeCommandTests
{
    [Fact]
    public async Task A_magnet_get_finds_a_seed_through_a_standalone_dht_node_which_saves_its_table_on_sigterm()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 400_000)]);
        string torrentFile = Path.Combine(h.Root, "data.torrent");
        await File.WriteAllBytesAsync(torrentFile, torrent.ToBytes());
        string nodeState = h.NewDir("node-state");
        using var node = BackgroundProcess.Shoal(h.NewDir("state"),
            "dht-node", "--port", "0", "--bind", "127.0.0.1", "--state", nodeState, "--json", "--interval", "0.2s");
        var first = JsonDocument.Parse(await node.WaitForLineAsync(l => l.StartsWith('{'), TimeSpan.FromSeconds(30), "the node's first status")).RootElement;
        string bootstrap = $"127.0.0.1:{first.GetProperty("port").GetInt32()}";

        using var seed = BackgroundProcess.Shoal(h.NewDir("state"),
            "seed", torrentFile, seedDir, "--bind", "127.0.0.1", "--port", "0", "--dht-bootstrap", bootstrap, "--no-lsd", "--json");
        await node.WaitForLineAsync(l => l.Contains("\"storedInfoHashes\":1"), TimeSpan.FromSeconds(30), "the seed's announce at the node");

        string dir = h.NewDir();
        using var get = BackgroundProcess.Shoal(h.NewDir("state"),
            "get", $"magnet:?xt=urn:btih:{torrent.InfoHashes.V1!.Value.ToHex()}", "-o", dir, "--bind", "127.0.0.1", "--port", "0",
            "--dht-bootstrap", bootstrap, "--no-lsd", "--json");
        Assert.Equal(0, await get.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.True(File.ReadAllBytes(Path.Combine(seedDir, "data.bin")).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(dir, "data.bin"))));

        File.Delete(Path.Combine(nodeState, "dht.dat")); // whatever the node saved on its own: what follows is the save on SIGTERM
        node.Terminate();
        Assert.Equal(0, await node.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.True(File.Exists(Path.Combine(nodeState, "dht.dat")), "the table is saved on SIGTERM");
    }
}

using System.Net;
using System.Text;
using System.Text.Json;
using Shoal.Channels;
using Shoal.Dht;
using Shoal.Dht.Items;
using Shoal.Metainfo;

namespace Shoal.Interop.Tests;

/// <summary>
/// BEP 44 items and BEP 46 channels in a DHT of libtorrent 2.0.8 and Shoal nodes: each reads what
/// the other stored, mutable and immutable.
/// </summary>
public class ChannelInteropTests
{
    [Fact]
    public async Task Libtorrent_reads_the_versions_shoal_publishes_and_shoal_reads_the_items_libtorrent_puts()
    {
        using var swarm = new SwarmInterop();
        string net = SwarmInterop.LoopbackBlock();
        var (shoalNode, shoalPort) = await swarm.ShoalDhtNodeAsync($"{net}.1");
        var (ltNode, ltPort) = await swarm.LibtorrentDhtNodeAsync($"{net}.2", $"{net}.1:{shoalPort}");
        string lt = $"{net}.2:{ltPort}";
        await ltNode.WaitForLineAsync(l => l.Contains($"{net}.1:{shoalPort}"), TimeSpan.FromSeconds(60), "the Shoal node in libtorrent's table");

        string key = Path.Combine(swarm.Dir("publisher"), "publisher.key");
        Assert.Equal(0, (await swarm.ShoalRunAsync("keygen", "-o", key)).ExitCode);
        string seed = File.ReadAllText(key).Trim();
        using var channelKey = ChannelKey.Load(key);
        string publicHex = Convert.ToHexStringLower(channelKey.PublicKey.Span);
        var (v1, _) = await swarm.SampleAsync("v1", size: 100_000);
        var (v2, _) = await swarm.SampleAsync("v2", size: 120_000);

        // Shoal publishes; libtorrent reads the version (verifying the signature itself).
        foreach (var (torrent, sequence) in new[] { (v1, 1), (v2, 2) })
        {
            var published = await swarm.ShoalRunAsync("publish", "--key", key, "--salt", "updates", torrent, "--once", "--json",
                "--bind", $"{net}.3", "--dht-bootstrap", lt);
            Assert.True(published.ExitCode == 0, published.ToString());
            Assert.Equal(sequence, JsonDocument.Parse(published.Stdout).RootElement.GetProperty("sequence").GetInt32());
            var read = await SwarmInterop.LibtorrentItemAsync($"{net}.4", lt, "get-mutable", publicHex, "updates");
            Assert.Equal(sequence, read.GetProperty("seq").GetInt32());
            Assert.Contains(TorrentParser.Load(torrent).InfoHashes.V1!.Value.ToHex(), read.GetProperty("text").GetString());
        }

        // libtorrent puts a mutable item (a string: all its binding can sign) and an immutable one.
        var put = await SwarmInterop.LibtorrentItemAsync($"{net}.5", lt, "put-mutable", seed, publicHex, "ltsalt", "hello from libtorrent");
        Assert.True(put.GetProperty("put").GetInt32() >= 1, put.ToString());
        var immutable = await SwarmInterop.LibtorrentItemAsync($"{net}.5", lt, "put-immutable", "immutable from lt");
        string immutableTarget = immutable.GetProperty("target").GetString()!;

        // With the Shoal node gone, only libtorrent's storage is left; Shoal reads both items from it.
        shoalNode.KillHard();
        await using var reader = DhtService.StartStandalone(new DhtOptions { Bootstrap = [lt], QueryTimeout = TimeSpan.FromSeconds(2) },
            [IPAddress.Parse($"{net}.6")], 0);
        await reader.Ready;
        var mutable = await DhtItemClient.GetAsync(reader, DhtItem.MutableTarget(channelKey.PublicKey.Span, "ltsalt"u8), "ltsalt"u8.ToArray(), CancellationToken.None);
        Assert.Equal(1, mutable.Item?.Sequence);
        Assert.Equal("21:hello from libtorrent", Encoding.ASCII.GetString(mutable.Item!.Value));
        var fixedItem = await DhtItemClient.GetAsync(reader, new NodeId(Convert.FromHexString(immutableTarget)), default, CancellationToken.None);
        Assert.Equal("17:immutable from lt", Encoding.ASCII.GetString(fixedItem.Item!.Value));

        // A Shoal immutable item, read by libtorrent.
        var ours = DhtItem.Immutable("15:shoal immutable"u8); // a string: the binding hands other values over only as text
        Assert.True((await DhtItemClient.GetAndPutAsync(reader, ours, CancellationToken.None)).Stored >= 1);
        var theirs = await SwarmInterop.LibtorrentItemAsync($"{net}.7", lt, "get-immutable", ours.Target.ToString());
        Assert.Equal(Convert.ToHexStringLower(ours.Value), theirs.GetProperty("value").GetString());

        // libtorrent's string is a BEP 44 item but no BEP 46 version: `shoal info` says so.
        var link = channelKey.Link("ltsalt"u8).ToString();
        var refused = await swarm.ShoalRunAsync("info", link, "--dht-bootstrap", lt);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("not BEP 46's {ih: <20-byte info-hash>}", refused.Stderr);
        var current = await swarm.ShoalRunAsync("info", channelKey.Link("updates"u8).ToString(), "--json", "--dht-bootstrap", lt);
        Assert.True(current.ExitCode == 0, current.ToString());
        Assert.Equal(TorrentParser.Load(v2).InfoHashes.V1!.Value.ToHex(), JsonDocument.Parse(current.Stdout).RootElement.GetProperty("infoHash").GetString());
    }
}

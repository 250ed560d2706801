using Shoal.Channels;
using Shoal.Dht;
using Shoal.Dht.Items;
using Shoal.Metainfo;
using Shoal.Tests.Dht;

namespace Shoal.Tests.Channels;

/// <summary>Publishing and resolving channel versions over a network of Shoal DHT nodes.</summary>
public class ChannelDhtTests
{
    private static InfoHash Hash(byte fill) => new(Enumerable.Repeat(fill, 20).ToArray());

    [Fact]
    public async Task Each_new_torrent_gets_the_next_sequence_number_the_same_one_is_stored_again_and_followers_resolve_the_newest()
    {
        await using var net = new DhtTestNetwork();
        var nodes = await net.JoinAsync(20);
        using var key = ChannelKey.Generate();
        byte[] salt = "stable"u8.ToArray();
        var link = key.Link(salt);

        Assert.Null(await nodes[9].ResolveChannelAsync(link));
        var first = await nodes[2].PublishChannelAsync(key, salt, Hash(1));
        Assert.Equal(1, first.Version.Sequence);
        Assert.True(first.StoredAt >= 3, $"stored at {first.StoredAt}");
        Assert.Equal(first.Version, await nodes[9].ResolveChannelAsync(link));

        Assert.Equal(1, (await nodes[2].PublishChannelAsync(key, salt, Hash(1))).Version.Sequence); // a refresh, not a new version
        // Another machine with the key, knowing nothing, still moves forward from what the DHT holds.
        Assert.Equal(2, (await nodes[15].PublishChannelAsync(key, salt, Hash(2))).Version.Sequence);
        // A publisher that remembers having used 7 goes past it even where the DHT lost track.
        Assert.Equal(8, (await nodes[2].PublishChannelAsync(key, salt, Hash(3), lastSequence: 7)).Version.Sequence);
        Assert.Equal(new ChannelVersion(Hash(3), 8), await nodes[12].ResolveChannelAsync(link));
        // The key's other channel is apart.
        Assert.Null(await nodes[12].ResolveChannelAsync(key.Link("other"u8)));
    }

    [Fact]
    public async Task A_channel_item_that_is_not_an_info_hash_is_refused_with_a_message()
    {
        await using var net = new DhtTestNetwork();
        var nodes = await net.JoinAsync(12);
        using var key = ChannelKey.Generate();
        var item = DhtItem.Sign(key.Key, [], 1, "d2:ih3:abce"u8);
        Assert.True((await DhtItemClient.GetAndPutAsync(nodes[1], item, CancellationToken.None)).Stored >= 1);
        var e = await Assert.ThrowsAsync<FormatException>(() => nodes[8].ResolveChannelAsync(key.Link()));
        Assert.Contains("not BEP 46's {ih: <20-byte info-hash>}", e.Message);
    }
}

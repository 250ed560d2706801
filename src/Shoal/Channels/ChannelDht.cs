using Shoal.Dht;
using Shoal.Dht.Items;
using Shoal.Metainfo;

namespace Shoal.Channels;

/// <summary>Channels (BEP 46) over a DHT node: resolving a link to its current version, and publishing a new one.</summary>
public static class ChannelDht
{
    /// <summary>
    /// The channel's current version: the newest item under its key and salt whose signature
    /// verifies, or null when no node has one. Throws <see cref="FormatException"/> when the
    /// publisher signed something that is not BEP 46's <c>{ih: 20 bytes}</c>.
    /// </summary>
    public static async Task<ChannelVersion?> ResolveChannelAsync(this DhtService dht, ChannelLink link, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dht);
        ArgumentNullException.ThrowIfNull(link);
        var found = await DhtItemClient.GetAsync(dht, new NodeId(link.Target.Span), link.Salt, cancellationToken).ConfigureAwait(false);
        return found.Item is { } item ? new ChannelVersion(ChannelValue.Decode(item.Value), item.Sequence) : null;
    }

    /// <summary>
    /// Makes the torrent of <paramref name="infoHash"/> the channel's current version and stores
    /// it at the nodes closest to the channel. A torrent that already is the current version is
    /// stored again as it is (items expire, so a publisher repeats this while it runs); otherwise
    /// the version gets the next sequence number: one more than the DHT's and than
    /// <paramref name="lastSequence"/> (the last one this publisher used, when it knows it).
    /// </summary>
    public static async Task<ChannelPublication> PublishChannelAsync(this DhtService dht, ChannelKey key, ReadOnlyMemory<byte> salt, InfoHash infoHash,
        long lastSequence = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dht);
        ArgumentNullException.ThrowIfNull(key);
        byte[] value = ChannelValue.Encode(infoHash.Truncated);
        var target = DhtItem.MutableTarget(key.PublicKey.Span, salt.Span);
        var found = await DhtItemClient.GetAsync(dht, target, salt, cancellationToken).ConfigureAwait(false);
        long sequence = found.Item is { } current && current.Value.AsSpan().SequenceEqual(value) && current.Sequence >= lastSequence
            ? current.Sequence
            : Math.Max(found.Item?.Sequence ?? 0, lastSequence) + 1;
        var item = DhtItem.Sign(key.Key, salt.Span, sequence, value);
        var put = await DhtItemClient.PutAsync(dht, item, found.Closest, null, cancellationToken).ConfigureAwait(false);
        return new ChannelPublication(new ChannelVersion(infoHash.Truncated, sequence), put.Stored);
    }
}

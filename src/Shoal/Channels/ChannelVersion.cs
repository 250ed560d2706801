using Shoal.Metainfo;

namespace Shoal.Channels;

/// <summary>A channel's version as its publisher signed it: the torrent's info-hash and the item's sequence number.</summary>
public sealed record ChannelVersion(InfoHash InfoHash, long Sequence)
{
    /// <summary>A magnet link of this version's torrent (v1, or a v2 torrent's truncated hash).</summary>
    public string ToMagnetLink() => $"magnet:?xt=urn:btih:{InfoHash.ToHex()}";
}

/// <summary>What publishing a version did: the version as signed, and how many DHT nodes stored it.</summary>
public sealed record ChannelPublication(ChannelVersion Version, int StoredAt);

namespace Shoal.Metainfo;

/// <summary>The info-hashes of a torrent: v1, v2 or both (hybrid).</summary>
public sealed record InfoHashes(InfoHash? V1, InfoHash? V2)
{
    /// <summary>The 20-byte identity used on the wire: the v1 hash, else the truncated v2 hash.</summary>
    public InfoHash Primary => V1 ?? V2!.Value.Truncated;

    /// <summary>
    /// Every 20-byte hash the torrent is found under (handshakes, the DHT, LSD): the v1 hash and
    /// the truncated v2 hash, both for a hybrid.
    /// </summary>
    public IReadOnlyList<InfoHash> SwarmHashes =>
        [.. new[] { V1, V2?.Truncated }.OfType<InfoHash>()];
}

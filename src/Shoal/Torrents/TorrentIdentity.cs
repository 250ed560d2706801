using System.Globalization;
using System.Net;
using Shoal.Metainfo;

namespace Shoal;

/// <summary>
/// What identifies a torrent before its metadata is known: what a magnet link carries (info-hashes,
/// a display name, trackers, peers, web seeds, a file selection). A .torrent file gives all of it.
/// </summary>
public sealed record TorrentIdentity(InfoHashes InfoHashes, string Name)
{
    /// <summary>Tracker URLs in BEP 12 tiers.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Trackers { get; init; } = [];
    /// <summary>Peers to try from the start (a magnet's x.pe).</summary>
    public IReadOnlyList<IPEndPoint> Peers { get; init; } = [];
    /// <summary>Web seed URLs.</summary>
    public IReadOnlyList<string> WebSeeds { get; init; } = [];
    /// <summary>BEP 53 'so': file indices to fetch; null for all.</summary>
    public IReadOnlyList<int>? SelectOnly { get; init; }
    /// <summary>BEP 27; only known from the metadata (false before it).</summary>
    public bool IsPrivate { get; init; }

    /// <summary>The identity of a torrent whose metadata we have.</summary>
    public static TorrentIdentity From(Torrent torrent) => new(torrent.InfoHashes, torrent.Name)
    {
        Trackers = torrent.Trackers,
        WebSeeds = torrent.WebSeeds,
        IsPrivate = torrent.IsPrivate,
    };

    /// <summary>From a magnet link; peers (x.pe) that are not literal addresses are left out.</summary>
    public static TorrentIdentity From(MagnetLink magnet) => new(magnet.InfoHashes, magnet.DisplayName ?? magnet.InfoHashes.Primary.ToHex())
    {
        Trackers = [.. magnet.Trackers.Select(t => (IReadOnlyList<string>)[t])],
        Peers = [.. magnet.Peers.Select(ParsePeer).OfType<IPEndPoint>()],
        WebSeeds = magnet.WebSeeds,
        SelectOnly = magnet.SelectOnly,
    };

    private static IPEndPoint? ParsePeer(string text) =>
        IPEndPoint.TryParse(text, out var endPoint) && endPoint.Port > 0 ? endPoint : null;

    /// <summary>Whether <paramref name="torrent"/> is the metadata this identity names (every hash it has matches).</summary>
    public bool Matches(Torrent torrent) =>
        (InfoHashes.V1 is not { } v1 || torrent.InfoHashes.V1 == v1)
        && (InfoHashes.V2 is not { } v2 || torrent.InfoHashes.V2 is { } tv2 && (v2.IsV2 ? tv2 == v2 : tv2.Truncated == v2));

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Name} ({InfoHashes.Primary})");
}

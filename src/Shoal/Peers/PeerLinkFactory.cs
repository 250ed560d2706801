using Shoal.Metainfo;

namespace Shoal.Peers;

/// <summary>
/// Makes a torrent's peers that are not wire connections (web seeds from its url-list, say) once
/// its metadata is known; each has every piece and reports to <paramref name="sink"/>.
/// </summary>
internal delegate IEnumerable<IPeer> PeerLinkFactory(TorrentSession torrent, Torrent metadata, IPeerLinkSink sink);

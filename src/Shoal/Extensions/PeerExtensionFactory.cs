namespace Shoal.Extensions;

/// <summary>Makes a torrent's instance of an extension, or null when it does not apply (ut_pex on a private torrent).</summary>
internal delegate IPeerExtension? PeerExtensionFactory(TorrentSession torrent);

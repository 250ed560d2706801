namespace Shoal.Discovery;

/// <summary>Makes a torrent's source of one kind, or null when that kind does not apply (no trackers, a private torrent).</summary>
internal delegate IPeerSource? PeerSourceFactory(IPeerSourceHost host, ShoalClient client, TorrentOptions options);

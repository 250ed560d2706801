namespace Shoal.Discovery;

/// <summary>
/// Makes one torrent's source of one kind when the torrent starts, or null when that kind does
/// not apply to it (no trackers, a private torrent). Registered with <see cref="ShoalClient.AddPeerSource"/>.
/// </summary>
public delegate IPeerSource? PeerSourceFactory(IPeerSourceHost host, ShoalClient client, TorrentOptions options);

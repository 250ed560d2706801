namespace Shoal.Tracker;

/// <summary>What an announce gets back, without its peers: counts and the traffic the peer reported since its last announce.</summary>
public readonly record struct AnnounceCounts(int Seeders, int Leechers, int Completed, int PeerCount, long UploadedDelta = 0, long DownloadedDelta = 0);

namespace Shoal.Tracker;

/// <summary>What an announce gets back: counts, a sample of other peers, and the traffic the peer reported since its last announce.</summary>
public sealed record AnnounceResult(int Seeders, int Leechers, int Completed, IReadOnlyList<SampledPeer> Peers, long UploadedDelta = 0, long DownloadedDelta = 0);

using System.Net;

namespace Shoal.Trackers;

public sealed record AnnounceResponse(
    TimeSpan Interval,
    TimeSpan? MinInterval,
    IReadOnlyList<IPEndPoint> Peers,
    int? Seeders,
    int? Leechers,
    string? TrackerId,
    string? Warning);

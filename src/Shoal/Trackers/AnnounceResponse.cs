using System.Net;

namespace Shoal.Trackers;

/// <summary>A tracker's answer to an announce.</summary>
/// <param name="Interval">How long to wait before the next regular announce.</param>
/// <param name="MinInterval">The shortest wait the tracker allows, if it says.</param>
/// <param name="Peers">The peers it gave.</param>
/// <param name="Seeders">Seeders in the swarm, if it says.</param>
/// <param name="Leechers">Leechers in the swarm, if it says.</param>
/// <param name="TrackerId">An id to send back in later announces, if it gave one.</param>
/// <param name="Warning">A warning message it sent along, if any.</param>
public sealed record AnnounceResponse(
    TimeSpan Interval,
    TimeSpan? MinInterval,
    IReadOnlyList<IPEndPoint> Peers,
    int? Seeders,
    int? Leechers,
    string? TrackerId,
    string? Warning);

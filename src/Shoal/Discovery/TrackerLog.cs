using Shoal.Trackers;

namespace Shoal.Discovery;

/// <summary>What one tracker of a torrent last did, for the status (Transmission's trackerStats).</summary>
public sealed record TrackerInfo(string Url, int Tier, int Id)
{
    /// <summary>In a tier only one tracker is asked at a time; the others are its backups.</summary>
    public bool IsBackup { get; init; }
    /// <summary>When the last announce to it began.</summary>
    public DateTimeOffset? LastAnnounceStart { get; init; }
    /// <summary>When the last announce to it ended, answered or not.</summary>
    public DateTimeOffset? LastAnnounce { get; init; }
    /// <summary>Whether the last announce got an answer.</summary>
    public bool LastAnnounceSucceeded { get; init; }
    /// <summary>Whether the last announce failed for want of an answer in time.</summary>
    public bool LastAnnounceTimedOut { get; init; }
    /// <summary>"Success", or the tracker's error.</summary>
    public string LastAnnounceResult { get; init; } = "";
    /// <summary>How many peers the last answer gave.</summary>
    public int LastAnnouncePeerCount { get; init; }
    /// <summary>Seeders in the swarm, as the tracker last counted them.</summary>
    public int? Seeders { get; init; }
    /// <summary>Leechers in the swarm, as the tracker last counted them.</summary>
    public int? Leechers { get; init; }
    /// <summary>When the torrent asks its trackers again (null when it is not running).</summary>
    public DateTimeOffset? NextAnnounce { get; init; }
    /// <summary>An announce to it is under way.</summary>
    public bool Announcing { get; init; }
}

/// <summary>
/// The outcome of each tracker's announces, kept by URL for as long as the torrent lives (runs
/// come and go); the tracker source writes it and the status reads it. Thread-safe.
/// </summary>
internal sealed class TrackerLog
{
    private readonly Dictionary<string, TrackerInfo> _byUrl = [];
    private DateTimeOffset? _next;

    public void Started(string url, DateTimeOffset at) => Update(url, t => t with { LastAnnounceStart = at, Announcing = true });

    public void Succeeded(string url, AnnounceResponse response, DateTimeOffset at) => Update(url, t => t with
    {
        LastAnnounce = at, LastAnnounceSucceeded = true, LastAnnounceTimedOut = false, Announcing = false,
        LastAnnounceResult = response.Warning ?? "Success", LastAnnouncePeerCount = response.Peers.Count,
        Seeders = response.Seeders ?? t.Seeders, Leechers = response.Leechers ?? t.Leechers,
    });

    public void Failed(string url, string error, bool timedOut, DateTimeOffset at) => Update(url, t => t with
    {
        LastAnnounce = at, LastAnnounceSucceeded = false, LastAnnounceTimedOut = timedOut, Announcing = false, LastAnnounceResult = error,
    });

    /// <summary>When the next announce is due; null when the torrent stops.</summary>
    public void Scheduled(DateTimeOffset? next)
    {
        lock (_byUrl)
            _next = next;
    }

    /// <summary>
    /// The torrent's trackers in tier order, each with what is known of it. In each tier the
    /// tracker that answered last (else the first) is the active one, the rest backups.
    /// </summary>
    public IReadOnlyList<TrackerInfo> Snapshot(IReadOnlyList<IReadOnlyList<string>> tiers)
    {
        var list = new List<TrackerInfo>();
        lock (_byUrl)
        {
            int id = 0;
            for (int tier = 0; tier < tiers.Count; tier++)
            {
                var known = tiers[tier].Select(url => _byUrl.GetValueOrDefault(url)).ToList();
                int active = Enumerable.Range(0, known.Count)
                    .Where(i => known[i] is { LastAnnounceSucceeded: true })
                    .OrderByDescending(i => known[i]!.LastAnnounce).DefaultIfEmpty(0).First();
                for (int i = 0; i < tiers[tier].Count; i++)
                {
                    var entry = (known[i] ?? new TrackerInfo(tiers[tier][i], tier, 0)) with { Tier = tier, Id = id++, IsBackup = i != active, NextAnnounce = _next };
                    list.Add(entry);
                }
            }
        }
        return list;
    }

    private void Update(string url, Func<TrackerInfo, TrackerInfo> change)
    {
        lock (_byUrl)
            _byUrl[url] = change(_byUrl.GetValueOrDefault(url) ?? new TrackerInfo(url, 0, 0));
    }
}

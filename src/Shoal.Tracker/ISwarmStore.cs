namespace Shoal.Tracker;

/// <summary>
/// Where a tracker keeps its swarms: in this process (<see cref="SwarmRegistry"/>) or in Redis
/// (<see cref="RedisSwarmStore"/>, shared by several tracker processes). Both give the same
/// answers: the announcer's own site first, no seeds for a seed, peers that miss their
/// interval dropped, completed downloads counted. Calls come from any thread.
/// </summary>
public interface ISwarmStore
{
    /// <summary>How addresses group into sites; an announce gets its own site's peers first.</summary>
    SiteMap Sites { get; }

    /// <summary>
    /// Registers, refreshes or (on 'stopped') removes the announcing peer and copies up to
    /// min(numwant, sample.Length) other peers into <paramref name="sample"/>.
    /// </summary>
    AnnounceCounts Announce(in TrackerAnnounce announce, Span<SampledPeer> sample);

    /// <summary>The same as <see cref="Announce(in TrackerAnnounce, Span{SampledPeer})"/> without holding a thread while a remote store answers (HTTP requests use it).</summary>
    ValueTask<AnnounceCounts> AnnounceAsync(TrackerAnnounce announce, Memory<SampledPeer> sample) => new(Announce(announce, sample.Span));

    /// <summary>One torrent's counts, or null when the store knows nothing of it.</summary>
    ScrapeCounts? Scrape(InfoHashKey key);

    ValueTask<ScrapeCounts?> ScrapeAsync(InfoHashKey key) => new(Scrape(key));

    /// <summary>Every swarm's counts (a full scrape), at most <paramref name="max"/>.</summary>
    List<(InfoHashKey Key, ScrapeCounts Counts)> ScrapeAll(int max);

    /// <summary>Drops peers that missed their announce; returns how many.</summary>
    int Expire();

    (int Torrents, int Peers, int Seeders) Totals();
}

public static class SwarmStoreExtensions
{
    /// <summary>An announce, answered with a freshly allocated list of peers (tests and tools; the servers pass a stack buffer).</summary>
    public static AnnounceResult Announce(this ISwarmStore store, in TrackerAnnounce announce)
    {
        var sample = new SampledPeer[Math.Clamp(announce.NumWant, 0, HttpAnnounceParser.MaxNumWant)];
        var counts = store.Announce(announce, sample);
        return new AnnounceResult(counts.Seeders, counts.Leechers, counts.Completed, sample[..counts.PeerCount], counts.UploadedDelta, counts.DownloadedDelta);
    }
}

using Shoal.Peers;

namespace Shoal.Tracker;

/// <summary>One torrent's roll-out at one site: how many machines seed it, are downloading it, and stopped.</summary>
public sealed record RolloutCounts(string Site, int Seeding, int Downloading, int Stopped);

/// <summary>One torrent's roll-out: its info-hash and each site's counts.</summary>
public sealed record RolloutTorrent(string InfoHash, IReadOnlyList<RolloutCounts> Sites)
{
    public int Seeding => Sites.Sum(s => s.Seeding);
    public int Downloading => Sites.Sum(s => s.Downloading);
    public int Stopped => Sites.Sum(s => s.Stopped);
}

/// <summary>
/// The roll-out view: per torrent and per site of the site map, the machines (address and port)
/// that seed, download, or said they stopped. A machine that misses its announces for the peer
/// time-out is no longer counted; one that stopped is counted as stopped for a day. Bounded in
/// torrents and machines (new ones are not counted past the bounds). This tracker process's view:
/// several trackers behind one name each count what they are told.
/// </summary>
public sealed class RolloutBook(SiteMap sites, TimeProvider time, TimeSpan peerTimeout)
{
    public const int MaxTorrents = 10_000;
    public const int MaxMachinesPerTorrent = 100_000;
    public static readonly TimeSpan StoppedKept = TimeSpan.FromDays(1);

    private enum State : byte
    {
        Seeding,
        Downloading,
        Stopped,
    }

    private readonly Dictionary<InfoHashKey, Dictionary<PeerEndpoint, (long Site, State State, long Seen)>> _torrents = [];
    private readonly Lock _gate = new();

    /// <summary>Counts an admitted announce.</summary>
    public void Record(in TrackerAnnounce announce)
    {
        var state = announce.Event == AnnounceEvent.Stopped ? State.Stopped : announce.IsSeed ? State.Seeding : State.Downloading;
        long now = time.GetTimestamp();
        long site = sites.SiteOf(announce.Peer.Address);
        lock (_gate)
        {
            if (!_torrents.TryGetValue(announce.InfoHash, out var machines))
            {
                if (_torrents.Count >= MaxTorrents)
                    return;
                _torrents[announce.InfoHash] = machines = [];
            }
            if (machines.Count >= MaxMachinesPerTorrent && !machines.ContainsKey(announce.Peer))
                return;
            machines[announce.Peer] = (site, state, now);
        }
    }

    /// <summary>Every torrent's counts now, by site (sorted by name), forgetting who timed out.</summary>
    public List<RolloutTorrent> Snapshot()
    {
        long now = time.GetTimestamp();
        var result = new List<RolloutTorrent>();
        lock (_gate)
        {
            foreach (var (hash, machines) in _torrents.ToList())
            {
                foreach (var (peer, entry) in machines.ToList())
                {
                    var age = time.GetElapsedTime(entry.Seen, now);
                    if (age > (entry.State == State.Stopped ? StoppedKept : peerTimeout))
                        machines.Remove(peer);
                }
                if (machines.Count == 0)
                {
                    _torrents.Remove(hash);
                    continue;
                }
                var bySite = machines.Values.GroupBy(m => m.Site).Select(g => new RolloutCounts(sites.NameOf(g.Key),
                    g.Count(m => m.State == State.Seeding), g.Count(m => m.State == State.Downloading), g.Count(m => m.State == State.Stopped)));
                result.Add(new RolloutTorrent(hash.ToHex(), [.. bySite.OrderBy(s => s.Site, StringComparer.Ordinal)]));
            }
        }
        return [.. result.OrderBy(t => t.InfoHash, StringComparer.Ordinal)];
    }
}

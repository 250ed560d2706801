using System.Runtime.InteropServices;

namespace Shoal.Tracker;

/// <summary>
/// Every swarm the tracker knows, in memory, split into shards that each have their own lock so
/// announces for different torrents do not wait on each other. A swarm keeps its peers as
/// values in one array (no object per peer, nothing for the collector to trace) with an index
/// by endpoint and one by site. Peers expire when they miss an announce interval (with grace);
/// a sample of peers costs O(numwant), not O(swarm); a seed is sent no seeds.
/// </summary>
public sealed class SwarmRegistry : ISwarmStore
{
    private const int ShardCount = 64;
    private readonly Shard[] _shards = [.. Enumerable.Range(0, ShardCount).Select(_ => new Shard())];
    private readonly TimeProvider _time;

    public SwarmRegistry(TimeProvider? time = null, TimeSpan? peerTimeout = null, SiteMap? sites = null)
    {
        _time = time ?? TimeProvider.System;
        PeerTimeout = peerTimeout ?? TimeSpan.FromMinutes(45);
        Sites = sites ?? SiteMap.Default;
    }

    /// <summary>How addresses group into sites; an announce gets its own site's peers first.</summary>
    public SiteMap Sites { get; set; }

    /// <summary>A peer not heard from for this long is dropped (an interval plus grace).</summary>
    public TimeSpan PeerTimeout { get; }

    private sealed class Shard
    {
        public readonly Lock Gate = new();
        public readonly Dictionary<InfoHashKey, Swarm> Swarms = [];
        /// <summary>Completed downloads per torrent; outlives the swarm (and, with a state file, the process).</summary>
        public readonly Dictionary<InfoHashKey, int> Completed = [];
    }

    /// <summary>Torrents whose completed count is kept, at most (bounds an open tracker's memory).</summary>
    public const int MaxCompletedKept = 1_000_000;

    private struct Peer
    {
        public PeerEndpoint Endpoint;
        public PeerId20 PeerId;
        public long Site;
        public long LastSeen;
        public long LastUploaded;
        public long LastDownloaded;
        public int SiteSlot; // where this peer's index sits in its site's list
        public bool IsSeed;
    }

    private sealed class Swarm
    {
        public Peer[] Peers = new Peer[4];
        public int Count;
        public int Seeders;
        public readonly Dictionary<PeerEndpoint, int> Index = [];
        public readonly Dictionary<long, List<int>> BySite = [];

        public int Add(in Peer peer)
        {
            if (Count == Peers.Length)
                Array.Resize(ref Peers, Count * 2);
            int at = Count++;
            Peers[at] = peer;
            ref var added = ref Peers[at];
            ref var site = ref CollectionsMarshal.GetValueRefOrAddDefault(BySite, peer.Site, out _);
            site ??= [];
            added.SiteSlot = site.Count;
            site.Add(at);
            Index[peer.Endpoint] = at;
            if (peer.IsSeed)
                Seeders++;
            return at;
        }

        /// <summary>Removes the peer at <paramref name="at"/>; the last peer moves into its place.</summary>
        public void RemoveAt(int at)
        {
            ref var peer = ref Peers[at];
            Index.Remove(peer.Endpoint);
            var site = BySite[peer.Site];
            int lastOfSite = site[^1];
            site[peer.SiteSlot] = lastOfSite;
            Peers[lastOfSite].SiteSlot = peer.SiteSlot;
            site.RemoveAt(site.Count - 1);
            if (site.Count == 0)
                BySite.Remove(peer.Site);
            if (peer.IsSeed)
                Seeders--;
            int last = --Count;
            if (at != last)
            {
                Peers[at] = Peers[last];
                Index[Peers[at].Endpoint] = at;
                BySite[Peers[at].Site][Peers[at].SiteSlot] = at;
            }
            Peers[last] = default;
            if (Peers.Length > 64 && Count < Peers.Length / 4)
                Array.Resize(ref Peers, Peers.Length / 2);
        }
    }

    private Shard ShardOf(InfoHashKey key) => _shards[(int)(key.C % ShardCount)];

    /// <inheritdoc/>
    /// <remarks>Allocates only when a swarm or its arrays grow.</remarks>
    public AnnounceCounts Announce(in TrackerAnnounce announce, Span<SampledPeer> sample)
    {
        var shard = ShardOf(announce.InfoHash);
        long now = _time.GetTimestamp();
        lock (shard.Gate)
        {
            ref var swarm = ref CollectionsMarshal.GetValueRefOrAddDefault(shard.Swarms, announce.InfoHash, out bool exists);
            if (!exists)
            {
                if (announce.Event == AnnounceEvent.Stopped)
                {
                    shard.Swarms.Remove(announce.InfoHash);
                    return new AnnounceCounts(0, 0, shard.Completed.GetValueOrDefault(announce.InfoHash), 0);
                }
                swarm = new Swarm();
            }
            var found = swarm!;
            bool known = found.Index.TryGetValue(announce.Peer, out int at);
            if (announce.Event == AnnounceEvent.Stopped)
            {
                long up = 0, down = 0;
                if (known)
                {
                    up = Math.Max(0, announce.Uploaded - found.Peers[at].LastUploaded);
                    down = Math.Max(0, announce.Downloaded - found.Peers[at].LastDownloaded);
                    found.RemoveAt(at);
                }
                if (found.Count == 0)
                    shard.Swarms.Remove(announce.InfoHash);
                return new AnnounceCounts(found.Seeders, found.Count - found.Seeders, shard.Completed.GetValueOrDefault(announce.InfoHash), 0, up, down);
            }
            long upDelta = 0, downDelta = 0;
            if (!known)
            {
                at = found.Add(new Peer { Endpoint = announce.Peer, IsSeed = announce.IsSeed, Site = Sites.SiteOf(announce.Peer.Address) });
            }
            else
            {
                ref var old = ref found.Peers[at];
                // Totals only grow within a session; a restarted client starts again from zero.
                upDelta = Math.Max(0, announce.Uploaded - old.LastUploaded);
                downDelta = Math.Max(0, announce.Downloaded - old.LastDownloaded);
                if (old.IsSeed != announce.IsSeed)
                {
                    found.Seeders += announce.IsSeed ? 1 : -1;
                    old.IsSeed = announce.IsSeed;
                }
            }
            ref var peer = ref found.Peers[at];
            peer.LastUploaded = announce.Uploaded;
            peer.LastDownloaded = announce.Downloaded;
            peer.PeerId = announce.PeerId;
            peer.LastSeen = now;
            bool counted = shard.Completed.TryGetValue(announce.InfoHash, out int completed);
            if (announce.Event == AnnounceEvent.Completed && (counted || shard.Completed.Count < MaxCompletedKept / ShardCount))
                shard.Completed[announce.InfoHash] = ++completed;
            int taken = Sample(found, at, sample[..Math.Clamp(announce.NumWant, 0, sample.Length)]);
            return new AnnounceCounts(found.Seeders, found.Count - found.Seeders, completed, taken, upDelta, downDelta);
        }
    }

    /// <summary>A swarm up to this size is scanned whole, so no eligible peer is missed.</summary>
    private const int WholeScan = 256;

    /// <summary>
    /// Fills <paramref name="sample"/> with peers other than the one at <paramref name="self"/>:
    /// first from its own site, then from the rest of the swarm, each pass starting at a random
    /// slot; seeds are skipped for a seed. Visits a bounded number of slots, so the cost is
    /// O(sample), not O(swarm). Returns how many it took.
    /// </summary>
    private static int Sample(Swarm swarm, int self, Span<SampledPeer> sample)
    {
        if (swarm.Count <= 1 || sample.Length == 0)
            return 0;
        var peers = swarm.Peers;
        bool seed = peers[self].IsSeed;
        long mySite = peers[self].Site;
        var site = CollectionsMarshal.AsSpan(swarm.BySite[mySite]);
        bool severalSites = site.Length < swarm.Count;
        int taken = 0;
        if (severalSites)
        {
            // Own site first, through its list of indices.
            int n = site.Length, at = Random.Shared.Next(n);
            for (int budget = Budget(n, sample.Length); budget > 0 && taken < sample.Length; budget--, at = at + 1 == n ? 0 : at + 1)
            {
                int index = site[at];
                if (index != self && !(seed && peers[index].IsSeed))
                    sample[taken++] = Copy(peers[index]);
            }
        }
        // Then the swarm's array itself: the other sites, or everyone when there is one site.
        int count = swarm.Count, slot = Random.Shared.Next(count);
        for (int budget = Budget(count, sample.Length - taken); budget > 0 && taken < sample.Length; budget--, slot = slot + 1 == count ? 0 : slot + 1)
        {
            ref var peer = ref peers[slot];
            if (slot != self && !(seed && peer.IsSeed) && !(severalSites && peer.Site == mySite))
                sample[taken++] = Copy(peer);
        }
        return taken;
    }

    private static int Budget(int slots, int wanted) => Math.Min(slots, Math.Max(wanted * 4 + 16, WholeScan));

    private static SampledPeer Copy(in Peer peer) => new(peer.Endpoint, peer.PeerId, peer.IsSeed, peer.Site);

    public ScrapeCounts? Scrape(InfoHashKey key)
    {
        var shard = ShardOf(key);
        lock (shard.Gate)
        {
            int completed = shard.Completed.GetValueOrDefault(key);
            return shard.Swarms.TryGetValue(key, out var swarm)
                ? new ScrapeCounts(swarm.Seeders, completed, swarm.Count - swarm.Seeders)
                : completed > 0 ? new ScrapeCounts(0, completed, 0) : null;
        }
    }

    /// <summary>Every swarm's counts (a full scrape), capped.</summary>
    public List<(InfoHashKey Key, ScrapeCounts Counts)> ScrapeAll(int max)
    {
        var all = new List<(InfoHashKey, ScrapeCounts)>();
        foreach (var shard in _shards)
        {
            lock (shard.Gate)
            {
                foreach (var (key, swarm) in shard.Swarms)
                {
                    if (all.Count >= max)
                        return all;
                    all.Add((key, new ScrapeCounts(swarm.Seeders, shard.Completed.GetValueOrDefault(key), swarm.Count - swarm.Seeders)));
                }
            }
        }
        return all;
    }

    /// <summary>Drops peers that missed their announce; returns how many.</summary>
    public int Expire()
    {
        long now = _time.GetTimestamp();
        int removed = 0;
        foreach (var shard in _shards)
        {
            lock (shard.Gate)
            {
                foreach (var (key, swarm) in shard.Swarms.ToList())
                {
                    for (int i = swarm.Count - 1; i >= 0; i--)
                    {
                        if (_time.GetElapsedTime(swarm.Peers[i].LastSeen, now) > PeerTimeout)
                        {
                            swarm.RemoveAt(i);
                            removed++;
                        }
                    }
                    if (swarm.Count == 0)
                        shard.Swarms.Remove(key);
                }
            }
        }
        return removed;
    }

    /// <summary>Every torrent's completed count, for the state file.</summary>
    public List<(InfoHashKey Key, int Completed)> CompletedCounts()
    {
        var all = new List<(InfoHashKey, int)>();
        foreach (var shard in _shards)
        {
            lock (shard.Gate)
                all.AddRange(shard.Completed.Select(p => (p.Key, p.Value)));
        }
        return all;
    }

    /// <summary>Restores completed counts read from a state file.</summary>
    public void RestoreCompleted(IEnumerable<(InfoHashKey Key, int Completed)> counts)
    {
        foreach (var (key, completed) in counts)
        {
            var shard = ShardOf(key);
            lock (shard.Gate)
            {
                if (shard.Completed.Count < MaxCompletedKept / ShardCount)
                    shard.Completed[key] = completed;
            }
        }
    }

    public (int Torrents, int Peers, int Seeders) Totals()
    {
        int torrents = 0, peers = 0, seeders = 0;
        foreach (var shard in _shards)
        {
            lock (shard.Gate)
            {
                torrents += shard.Swarms.Count;
                foreach (var swarm in shard.Swarms.Values)
                {
                    peers += swarm.Count;
                    seeders += swarm.Seeders;
                }
            }
        }
        return (torrents, peers, seeders);
    }
}

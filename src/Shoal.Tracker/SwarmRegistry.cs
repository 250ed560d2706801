using System.Net;
using System.Net.Sockets;

namespace Shoal.Tracker;

/// <summary>What an announce gets back: counts and a sample of other peers.</summary>
/// <summary>What an announce gets back: counts, a sample of other peers, and the traffic the peer reported since its last announce.</summary>
public sealed record AnnounceResult(int Seeders, int Leechers, int Completed, List<PeerRecord> Peers, long UploadedDelta = 0, long DownloadedDelta = 0);

public sealed record ScrapeCounts(int Seeders, int Completed, int Leechers);

/// <summary>One peer of a swarm: a fixed, small record (address, port, peer id, seed flag, last announce).</summary>
public sealed class PeerRecord(IPAddress address, int port, byte[] peerId)
{
    public IPAddress Address { get; } = address;
    public int Port { get; } = port;
    public byte[] PeerId { get; set; } = peerId;
    public bool IsSeed { get; set; }
    public long LastSeen { get; set; }
    public long Site { get; init; }
    public long LastUploaded { get; set; }
    public long LastDownloaded { get; set; }
    internal int Slot { get; set; }
    internal int SiteSlot { get; set; }
}

/// <summary>
/// Every swarm the tracker knows, in memory, split into shards that each have their own lock so
/// announces for different torrents do not wait on each other. Peers expire when they miss an
/// announce interval (with grace); a sample of peers costs O(numwant), not O(swarm); a seed
/// is sent no seeds.
/// </summary>
public sealed class SwarmRegistry
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

    private sealed class Swarm
    {
        public readonly Dictionary<(IPAddress, int), PeerRecord> Peers = [];
        public readonly List<PeerRecord> Slots = []; // for O(1) random picks and removal
        public readonly Dictionary<long, List<PeerRecord>> BySite = [];
        public int Seeders;

        public void Add(PeerRecord peer)
        {
            peer.Slot = Slots.Count;
            Slots.Add(peer);
            if (!BySite.TryGetValue(peer.Site, out var site))
                BySite[peer.Site] = site = [];
            peer.SiteSlot = site.Count;
            site.Add(peer);
            Peers[(peer.Address, peer.Port)] = peer;
            if (peer.IsSeed)
                Seeders++;
        }

        public void Remove(PeerRecord peer)
        {
            Peers.Remove((peer.Address, peer.Port));
            var last = Slots[^1];
            Slots[peer.Slot] = last;
            last.Slot = peer.Slot;
            Slots.RemoveAt(Slots.Count - 1);
            var site = BySite[peer.Site];
            var lastOfSite = site[^1];
            site[peer.SiteSlot] = lastOfSite;
            lastOfSite.SiteSlot = peer.SiteSlot;
            site.RemoveAt(site.Count - 1);
            if (site.Count == 0)
                BySite.Remove(peer.Site);
            if (peer.IsSeed)
                Seeders--;
        }
    }

    private Shard ShardOf(InfoHashKey key) => _shards[(int)(key.C % ShardCount)];

    public AnnounceResult Announce(TrackerAnnounce announce)
    {
        var shard = ShardOf(announce.InfoHash);
        long now = _time.GetTimestamp();
        lock (shard.Gate)
        {
            if (!shard.Swarms.TryGetValue(announce.InfoHash, out var swarm))
            {
                if (announce.Event == AnnounceEvent.Stopped)
                    return new AnnounceResult(0, 0, 0, []);
                shard.Swarms[announce.InfoHash] = swarm = new Swarm();
            }
            swarm.Peers.TryGetValue((announce.Address, announce.Port), out var peer);
            if (announce.Event == AnnounceEvent.Stopped)
            {
                long up = 0, down = 0;
                if (peer is not null)
                {
                    up = Math.Max(0, announce.Uploaded - peer.LastUploaded);
                    down = Math.Max(0, announce.Downloaded - peer.LastDownloaded);
                    swarm.Remove(peer);
                }
                if (swarm.Slots.Count == 0)
                    shard.Swarms.Remove(announce.InfoHash);
                return new AnnounceResult(swarm.Seeders, swarm.Slots.Count - swarm.Seeders, shard.Completed.GetValueOrDefault(announce.InfoHash), [], up, down);
            }
            long upDelta = 0, downDelta = 0;
            if (peer is null)
            {
                peer = new PeerRecord(announce.Address, announce.Port, announce.PeerId) { IsSeed = announce.IsSeed, Site = Sites.SiteOf(announce.Address) };
                swarm.Add(peer);
            }
            else
            {
                // Totals only grow within a session; a restarted client starts again from zero.
                upDelta = Math.Max(0, announce.Uploaded - peer.LastUploaded);
                downDelta = Math.Max(0, announce.Downloaded - peer.LastDownloaded);
                if (peer.IsSeed != announce.IsSeed)
                {
                    swarm.Seeders += announce.IsSeed ? 1 : -1;
                    peer.IsSeed = announce.IsSeed;
                }
            }
            peer.LastUploaded = announce.Uploaded;
            peer.LastDownloaded = announce.Downloaded;
            peer.PeerId = announce.PeerId;
            peer.LastSeen = now;
            if (announce.Event == AnnounceEvent.Completed && (shard.Completed.ContainsKey(announce.InfoHash) || shard.Completed.Count < MaxCompletedKept / ShardCount))
                shard.Completed[announce.InfoHash] = shard.Completed.GetValueOrDefault(announce.InfoHash) + 1;
            var sample = Sample(swarm, peer, announce.NumWant);
            return new AnnounceResult(swarm.Seeders, swarm.Slots.Count - swarm.Seeders, shard.Completed.GetValueOrDefault(announce.InfoHash), sample, upDelta, downDelta);
        }
    }

    /// <summary>
    /// Up to <paramref name="count"/> peers other than <paramref name="self"/>: first from its own
    /// site, then from the whole swarm, each pass starting at a random slot; seeds are skipped
    /// for a seed. Visits a bounded number of slots, so the cost is O(count), not O(swarm).
    /// </summary>
    private static List<PeerRecord> Sample(Swarm swarm, PeerRecord self, int count)
    {
        var result = new List<PeerRecord>(Math.Min(count, swarm.Slots.Count));
        if (swarm.Slots.Count <= 1 || count == 0)
            return result;
        var site = swarm.BySite[self.Site];
        Take(site, self, count, result, null);
        if (result.Count < count && site.Count < swarm.Slots.Count)
            Take(swarm.Slots, self, count, result, self.Site);
        return result;
    }

    private static void Take(List<PeerRecord> slots, PeerRecord self, int count, List<PeerRecord> result, long? skipSite)
    {
        int n = slots.Count;
        int start = Random.Shared.Next(n);
        int budget = Math.Min(n, (count - result.Count) * 4 + 16);
        for (int i = 0; i < budget && result.Count < count; i++)
        {
            var peer = slots[(start + i) % n];
            if (peer == self || (self.IsSeed && peer.IsSeed) || peer.Site == skipSite)
                continue;
            result.Add(peer);
        }
    }

    public ScrapeCounts? Scrape(InfoHashKey key)
    {
        var shard = ShardOf(key);
        lock (shard.Gate)
        {
            int completed = shard.Completed.GetValueOrDefault(key);
            return shard.Swarms.TryGetValue(key, out var swarm)
                ? new ScrapeCounts(swarm.Seeders, completed, swarm.Slots.Count - swarm.Seeders)
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
                    all.Add((key, new ScrapeCounts(swarm.Seeders, shard.Completed.GetValueOrDefault(key), swarm.Slots.Count - swarm.Seeders)));
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
                    foreach (var peer in swarm.Slots.ToList())
                    {
                        if (_time.GetElapsedTime(peer.LastSeen, now) > PeerTimeout)
                        {
                            swarm.Remove(peer);
                            removed++;
                        }
                    }
                    if (swarm.Slots.Count == 0)
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
                    peers += swarm.Slots.Count;
                    seeders += swarm.Seeders;
                }
            }
        }
        return (torrents, peers, seeders);
    }

    public static bool IsV6(PeerRecord peer) => peer.Address.AddressFamily == AddressFamily.InterNetworkV6;
}

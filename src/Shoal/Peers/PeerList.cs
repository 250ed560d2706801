using System.Net;
using Shoal.Net;

namespace Shoal.Peers;

/// <summary>
/// The addresses one torrent knows, from every peer source: bounded, deduplicated, ranked for
/// dialling (BEP 40 by default; locality plugs in through the ranking function), with back-off
/// after failures. When full, a new address evicts the worst entry: banned or failing first, then
/// the lowest ranked idle one. Not thread-safe: its torrent calls it under its lock. It ranks
/// with the engine's function only (pure, cheap); a user's ranking (user code, never run under
/// the lock) comes later: <see cref="RanksLater"/> queues each address for it, the torrent runs it
/// after releasing the lock and hands the results back through <see cref="SetRank"/>.
/// </summary>
internal sealed class PeerList(TimeProvider time, Func<IPEndPoint, long> rank, int capacity = PeerList.DefaultCapacity)
{
    public const int DefaultCapacity = 2000;
    /// <summary>Failures after which an address is dropped (unless a user gave it).</summary>
    public const int MaxFailures = 6;
    private readonly Dictionary<IPEndPoint, KnownPeer> _peers = [];
    private readonly HashSet<IPEndPoint> _unranked = [];

    /// <summary>A user's ranking is to be applied to new addresses after the lock (see <see cref="TakeUnranked"/>).</summary>
    public bool RanksLater { get; init; }

    public int Count => _peers.Count;

    public KnownPeer? Find(IPEndPoint endPoint) => _peers.GetValueOrDefault(EndPoints.Normalize(endPoint));

    /// <summary>Adds or refreshes an address; false when it is new but the list is full of better ones.</summary>
    public bool Add(IPEndPoint endPoint, PeerSources source, PeerTraits traits = PeerTraits.None)
    {
        endPoint = EndPoints.Normalize(endPoint);
        if (endPoint.Port == 0)
            return false;
        long now = time.GetTimestamp();
        if (_peers.TryGetValue(endPoint, out var known))
        {
            known.Sources |= source;
            known.Traits |= traits;
            known.LastSeen = now;
            known.Rank = Raised(known.BaseRank, known.Traits);
            return true;
        }
        long baseRank = rank(endPoint);
        long newRank = Raised(baseRank, traits);
        if (_peers.Count >= capacity && !EvictFor(newRank))
            return false;
        _peers[endPoint] = new KnownPeer(endPoint, now) { Sources = source, Traits = traits, BaseRank = baseRank, Rank = newRank };
        if (RanksLater)
            _unranked.Add(endPoint);
        return true;
    }

    /// <summary>The addresses waiting for the user's ranking (taken: each is handed out once).</summary>
    public List<IPEndPoint> TakeUnranked()
    {
        if (_unranked.Count == 0)
            return [];
        List<IPEndPoint> taken = [.. _unranked.Where(_peers.ContainsKey)];
        _unranked.Clear();
        return taken;
    }

    /// <summary>The user's ranking of <paramref name="endPoint"/>, computed outside the lock.</summary>
    public void SetRank(IPEndPoint endPoint, long baseRank)
    {
        if (Find(endPoint) is { } peer)
        {
            peer.BaseRank = baseRank;
            peer.Rank = Raised(baseRank, peer.Traits);
        }
    }

    private bool EvictFor(long newRank)
    {
        KnownPeer? worst = null;
        foreach (var peer in _peers.Values)
        {
            if (peer.InUse || (peer.Sources & PeerSources.Manual) != 0)
                continue;
            if (worst is null || Worse(peer, worst))
                worst = peer;
        }
        if (worst is null || (!worst.Banned && worst.Failures == 0 && !worst.Self && worst.Rank >= newRank))
            return false;
        _peers.Remove(worst.EndPoint);
        return true;
    }

    private static bool Worse(KnownPeer a, KnownPeer b)
    {
        if (a.Banned != b.Banned)
            return a.Banned;
        if (a.Self != b.Self)
            return a.Self;
        if (a.Failures != b.Failures)
            return a.Failures > b.Failures;
        return a.Rank < b.Rank;
    }

    /// <summary>
    /// Up to <paramref name="count"/> addresses to dial now, best ranked first, skipping those in
    /// use, banned, ourselves or backing off (5 s after a failure, doubling to five minutes).
    /// Each returned address is marked in use.
    /// </summary>
    /// <param name="count">At most this many.</param>
    /// <param name="isSelf">Says whether an address is ours (it is then marked and skipped for good).</param>
    /// <param name="skipSeeds">Leave out addresses known to be seeds (we are one too: nothing to trade).</param>
    public List<IPEndPoint> TakeDialable(int count, Func<IPEndPoint, bool>? isSelf = null, bool skipSeeds = false)
    {
        var result = new List<IPEndPoint>();
        if (count <= 0)
            return result;
        long now = time.GetTimestamp();
        var ready = new List<KnownPeer>();
        foreach (var peer in _peers.Values)
        {
            if (peer.InUse || peer.Self || peer.Banned || (skipSeeds && (peer.Traits & PeerTraits.Seed) != 0))
                continue;
            var backoff = TimeSpan.FromSeconds(peer.Failures == 0 ? 0 : Math.Min(300, 5 << Math.Min(peer.Failures - 1, 6)));
            if (peer.LastAttempt != long.MinValue && time.GetElapsedTime(peer.LastAttempt, now) < backoff)
                continue;
            if (isSelf?.Invoke(peer.EndPoint) == true)
            {
                peer.Self = true;
                continue;
            }
            ready.Add(peer);
        }
        foreach (var peer in ready.OrderByDescending(p => p.Rank).Take(count))
        {
            peer.InUse = true;
            peer.LastAttempt = now;
            result.Add(peer.EndPoint);
        }
        return result;
    }

    /// <summary>A connection to the address is up (dialled, or it told us its listening port).</summary>
    public void Connected(IPEndPoint endPoint)
    {
        if (Find(endPoint) is { } peer)
        {
            peer.InUse = true;
            peer.Failures = 0;
            peer.LastSeen = peer.LastConnected = time.GetTimestamp();
        }
    }

    /// <summary>A dial failed: back off, and forget the address after <see cref="MaxFailures"/>.</summary>
    public void Failed(IPEndPoint endPoint)
    {
        if (Find(endPoint) is not { } peer)
            return;
        peer.InUse = false;
        peer.Failures++;
        peer.LastAttempt = time.GetTimestamp();
        if (peer.Failures >= MaxFailures && (peer.Sources & PeerSources.Manual) == 0)
            _peers.Remove(peer.EndPoint);
    }

    /// <summary>The connection ended: the address may be dialled again later.</summary>
    public void Disconnected(IPEndPoint endPoint)
    {
        if (Find(endPoint) is { } peer)
        {
            peer.InUse = false;
            peer.LastAttempt = time.GetTimestamp();
        }
    }

    /// <summary>The dial was not needed after all (already connected, or refused on our side).</summary>
    public void Release(IPEndPoint endPoint, bool stillConnected)
    {
        if (Find(endPoint) is { } peer)
            peer.InUse = stillConnected;
    }

    /// <summary>Records what an address turned out to be or support (a seed, say).</summary>
    public void AddTraits(IPEndPoint endPoint, PeerTraits traits)
    {
        if (Find(endPoint) is { } peer)
        {
            peer.Traits |= traits;
            peer.Rank = Raised(peer.BaseRank, peer.Traits);
        }
    }

    public void MarkSelf(IPEndPoint endPoint)
    {
        if (Find(endPoint) is { } peer)
            peer.Self = true;
    }

    public void Ban(IPEndPoint endPoint)
    {
        endPoint = EndPoints.Normalize(endPoint);
        if (!_peers.TryGetValue(endPoint, out var peer))
        {
            Add(endPoint, PeerSources.None);
            if (!_peers.TryGetValue(endPoint, out peer))
                return;
        }
        peer.Banned = true;
    }

    public bool IsBanned(IPEndPoint endPoint) => Find(endPoint)?.Banned == true;

    /// <summary>Up to <paramref name="max"/> addresses we were connected to, the latest first (for the peer cache).</summary>
    public List<IPEndPoint> RecentlyConnected(int max) =>
        [.. _peers.Values.Where(p => p.LastConnected != 0 && !p.Banned && !p.Self)
            .OrderByDescending(p => p.LastConnected).Take(max).Select(p => p.EndPoint)];

    /// <summary>Ranks every address again (our public address or the locality map changed); with a user's ranking, each waits for it again.</summary>
    public void Rerank()
    {
        foreach (var peer in _peers.Values)
        {
            peer.BaseRank = rank(peer.EndPoint);
            peer.Rank = Raised(peer.BaseRank, peer.Traits);
            if (RanksLater)
                _unranked.Add(peer.EndPoint);
        }
    }

    /// <summary>Above every canonical priority (a uint): how much a local peer's rank is raised.</summary>
    public const long LocalBoost = 1L << 33;

    /// <summary>A rank raised for a peer found on the local network.</summary>
    private static long Raised(long baseRank, PeerTraits traits) =>
        baseRank + ((traits & PeerTraits.Local) != 0 ? LocalBoost : 0);
}

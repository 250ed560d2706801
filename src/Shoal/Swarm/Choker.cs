namespace Shoal.Swarm;

/// <summary>
/// Decides whom to unchoke, from the peers' rates, interest, snubbing and locality plus the
/// time; it touches no peer. While downloading: tit-for-tat, the regular slots go to the peers
/// that give us the most (snubbed peers get none). While seeding: round-robin or fastest upload.
/// Local peers (our own site: a fast LAN, not the WAN link) have slots of their own, as many as
/// the others, so they never wait behind remote peers and never take the WAN's slots either.
/// One more, optimistic slot goes to a random interested peer and rotates every
/// <see cref="OptimisticInterval"/>; peers that connected recently weigh
/// <see cref="NewPeerWeight"/> times more for it, so newcomers get a first piece to trade.
/// Randomness comes from the seeded <see cref="Random"/> it is given.
/// </summary>
internal sealed class Choker<TPeer>(TimeProvider time, Random random, int slots = Choker<TPeer>.DefaultSlots) where TPeer : class
{
    public const int DefaultSlots = 4;
    public static readonly TimeSpan OptimisticInterval = TimeSpan.FromSeconds(30);
    /// <summary>How long a seed's round-robin turn lasts before others may take the slot.</summary>
    public static readonly TimeSpan SeedTurn = TimeSpan.FromSeconds(30);
    /// <summary>Peers younger than this are "new" for the optimistic slot.</summary>
    public static readonly TimeSpan NewPeerAge = TimeSpan.FromSeconds(90);
    public const int NewPeerWeight = 3;

    private long _optimisticSince;

    /// <summary>Regular slots of each kind (local, remote): set each second from <see cref="UploadSlots"/> while seeding.</summary>
    public int Slots
    {
        get;
        set => field = Math.Max(1, value);
    } = Math.Max(1, slots);
    public SeedChoking SeedMode { get; init; } = SeedChoking.RoundRobin;
    /// <summary>The peer holding the optimistic slot, if any.</summary>
    public TPeer? Optimistic { get; private set; }

    /// <summary>Returns the peers to unchoke now (every other peer is choked).</summary>
    public HashSet<TPeer> Decide(IReadOnlyList<ChokeCandidate<TPeer>> peers, bool seeding, long now)
    {
        var interested = peers.Where(p => p.Interested).ToList();
        // Shuffle first so that equal peers are ordered at random (the sorts below are stable).
        for (int i = interested.Count - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (interested[i], interested[j]) = (interested[j], interested[i]);
        }
        IEnumerable<ChokeCandidate<TPeer>> ranked;
        if (!seeding)
            ranked = interested.Where(p => !p.Snubbed).OrderByDescending(p => p.DownRate);
        else if (SeedMode == SeedChoking.FastestUpload)
            ranked = interested.OrderByDescending(p => p.UpRate);
        else
            ranked = interested.OrderByDescending(p => p.Unchoked && time.GetElapsedTime(p.UnchokedAt, now) < SeedTurn)
                .ThenBy(p => p.Unchoked ? long.MaxValue : p.UnchokedAt);
        var ordered = ranked.ToList();
        var unchoke = new HashSet<TPeer>(ordered.Where(p => p.Local).Take(Slots).Concat(ordered.Where(p => !p.Local).Take(Slots)).Select(p => p.Peer),
            ReferenceEqualityComparer.Instance as IEqualityComparer<TPeer>);

        bool keep = Optimistic is not null && time.GetElapsedTime(_optimisticSince, now) < OptimisticInterval
            && interested.Any(p => ReferenceEquals(p.Peer, Optimistic)) && !unchoke.Contains(Optimistic);
        if (!keep)
        {
            Optimistic = PickOptimistic(interested.Where(p => !unchoke.Contains(p.Peer)).ToList(), now);
            _optimisticSince = now;
        }
        if (Optimistic is not null)
            unchoke.Add(Optimistic);
        return unchoke;
    }

    /// <summary>Whether one more interested peer may be unchoked now, between rounds, given how many of its kind (local or not) are.</summary>
    public bool HasFreeSlot(int unchokedInterestedOfItsKind) => unchokedInterestedOfItsKind < Slots + 1;

    private TPeer? PickOptimistic(List<ChokeCandidate<TPeer>> candidates, long now)
    {
        if (candidates.Count == 0)
            return null;
        int Weight(ChokeCandidate<TPeer> p) => time.GetElapsedTime(p.ConnectedAt, now) < NewPeerAge ? NewPeerWeight : 1;
        int total = candidates.Sum(Weight);
        int pick = random.Next(total);
        foreach (var candidate in candidates)
        {
            pick -= Weight(candidate);
            if (pick < 0)
                return candidate.Peer;
        }
        return candidates[^1].Peer;
    }
}

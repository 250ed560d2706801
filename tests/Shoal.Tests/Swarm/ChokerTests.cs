using Microsoft.Extensions.Time.Testing;
using Shoal.Swarm;

namespace Shoal.Tests.Swarm;

public class ChokerTests
{
    private sealed class Peer(string name)
    {
        public string Name { get; } = name;
        public override string ToString() => Name;
    }

    private readonly FakeTimeProvider _time = new();

    private static List<Peer> Peers(int count) => [.. Enumerable.Range(0, count).Select(i => new Peer($"p{i}"))];

    private ChokeCandidate<Peer> Candidate(Peer peer, long downRate = 0, long upRate = 0, bool interested = true, bool snubbed = false,
        bool local = false, bool unchoked = false, long? unchokedAt = null, long? connectedAt = null) =>
        new(peer, interested, snubbed, local, downRate, upRate, unchoked, unchokedAt ?? 0, connectedAt ?? _time.GetTimestamp());

    [Fact]
    public void Downloading_gives_the_regular_slots_to_the_peers_that_give_us_most_and_one_optimistic_slot_to_another()
    {
        var peers = Peers(12);
        var choker = new Choker<Peer>(_time, new Random(1));
        var candidates = peers.Select((p, i) => Candidate(p, downRate: i * 1000)).ToList();

        var unchoke = choker.Decide(candidates, seeding: false, _time.GetTimestamp());

        Assert.Equal(Choker<Peer>.DefaultSlots + 1, unchoke.Count);
        Assert.All(peers.Skip(8), p => Assert.Contains(p, unchoke)); // the four fastest uploaders to us
        Assert.NotNull(choker.Optimistic);
        Assert.DoesNotContain(choker.Optimistic, peers.Skip(8));
        Assert.Contains(choker.Optimistic!, unchoke);
    }

    [Fact]
    public void Uninterested_and_snubbed_peers_get_no_regular_slot()
    {
        var peers = Peers(10);
        var choker = new Choker<Peer>(_time, new Random(2));
        var candidates = new List<ChokeCandidate<Peer>>();
        for (int i = 0; i < peers.Count; i++)
            candidates.Add(Candidate(peers[i], downRate: 100_000 - i, interested: i >= 2, snubbed: i is 2 or 3));

        var unchoke = choker.Decide(candidates, seeding: false, _time.GetTimestamp());

        Assert.DoesNotContain(peers[0], unchoke);
        Assert.DoesNotContain(peers[1], unchoke);
        foreach (var p in peers.Skip(4).Take(4))
            Assert.Contains(p, unchoke);
    }

    [Fact]
    public void The_optimistic_slot_stays_for_thirty_seconds_then_rotates()
    {
        var peers = Peers(12);
        var choker = new Choker<Peer>(_time, new Random(3));
        var candidates = peers.Select((p, i) => Candidate(p, downRate: i < 4 ? 1_000_000 : 0, connectedAt: 0)).ToList();
        choker.Decide(candidates, seeding: false, _time.GetTimestamp());
        var first = choker.Optimistic;
        Assert.NotNull(first);

        var seen = new HashSet<Peer> { first! };
        for (int round = 1; round <= 2; round++)
        {
            _time.Advance(TimeSpan.FromSeconds(10));
            choker.Decide(candidates, seeding: false, _time.GetTimestamp());
            Assert.Same(first, choker.Optimistic);
        }
        for (int round = 0; round < 30; round++)
        {
            _time.Advance(TimeSpan.FromSeconds(30));
            choker.Decide(candidates, seeding: false, _time.GetTimestamp());
            seen.Add(choker.Optimistic!);
        }
        Assert.True(seen.Count >= 4, $"the optimistic slot visited only {seen.Count} peers in 30 rotations");
        Assert.DoesNotContain(peers[0], seen.Where(p => peers.IndexOf(p) < 4)); // never a regular peer
    }

    [Fact]
    public void New_peers_are_favoured_for_the_optimistic_slot()
    {
        var choker = new Choker<Peer>(_time, new Random(4));
        _time.Advance(TimeSpan.FromMinutes(10));
        long now = _time.GetTimestamp();
        long old = now - (long)(TimeSpan.FromMinutes(5).TotalSeconds * _time.TimestampFrequency);
        var oldPeers = Peers(5);
        var newPeers = Enumerable.Range(0, 5).Select(i => new Peer($"new{i}")).ToList();
        var regular = Peers(4);
        var candidates = regular.Select(p => Candidate(p, downRate: 1_000_000, connectedAt: old))
            .Concat(oldPeers.Select(p => Candidate(p, connectedAt: old)))
            .Concat(newPeers.Select(p => Candidate(p, connectedAt: now))).ToList();

        int newWins = 0, rounds = 600;
        for (int i = 0; i < rounds; i++)
        {
            _time.Advance(Choker<Peer>.OptimisticInterval);
            choker.Decide(candidates, seeding: false, _time.GetTimestamp());
            // Keep the "new" peers new: they connected just before this round.
            candidates = [.. candidates.Select(c => newPeers.Contains(c.Peer) ? c with { ConnectedAt = _time.GetTimestamp() } : c)];
            if (newPeers.Contains(choker.Optimistic!))
                newWins++;
        }
        // Weight 3 against 1 with five of each: new peers should win about 3/4 of the rounds.
        Assert.InRange(newWins, rounds * 6 / 10, rounds * 9 / 10);
    }

    [Fact]
    public void A_seed_takes_turns_so_every_interested_peer_gets_unchoked()
    {
        var peers = Peers(12);
        var choker = new Choker<Peer>(_time, new Random(5));
        var unchokedAt = peers.ToDictionary(p => p, _ => 0L);
        var isUnchoked = new HashSet<Peer>();
        var everUnchoked = new HashSet<Peer>();
        for (int round = 0; round < 12; round++)
        {
            long now = _time.GetTimestamp();
            var candidates = peers.Select(p => Candidate(p, unchoked: isUnchoked.Contains(p), unchokedAt: unchokedAt[p], connectedAt: 0)).ToList();
            var unchoke = choker.Decide(candidates, seeding: true, now);
            Assert.True(unchoke.Count <= Choker<Peer>.DefaultSlots + 1);
            foreach (var p in unchoke.Where(p => !isUnchoked.Contains(p)))
                unchokedAt[p] = now;
            isUnchoked = unchoke;
            everUnchoked.UnionWith(unchoke);
            _time.Advance(TimeSpan.FromSeconds(10));
        }
        Assert.Equal(peers.Count, everUnchoked.Count);
    }

    [Fact]
    public void A_seed_in_fastest_upload_mode_keeps_the_fastest_takers()
    {
        var peers = Peers(10);
        var choker = new Choker<Peer>(_time, new Random(6)) { SeedMode = SeedChoking.FastestUpload };
        var candidates = peers.Select((p, i) => Candidate(p, upRate: i * 10_000)).ToList();
        var unchoke = choker.Decide(candidates, seeding: true, _time.GetTimestamp());
        foreach (var p in peers.Skip(6))
            Assert.Contains(p, unchoke);
    }

    [Fact]
    public void Local_peers_have_slots_of_their_own_beside_the_remote_peers_slots()
    {
        var peers = Peers(10);
        var choker = new Choker<Peer>(_time, new Random(7));
        // The remote peers (0-4) give far more, yet the local ones (5-9) still get slots of their own.
        var candidates = peers.Select((p, i) => Candidate(p, downRate: i < 5 ? 1_000_000 : 10, local: i >= 5)).ToList();
        var unchoke = choker.Decide(candidates, seeding: false, _time.GetTimestamp());
        var regular = unchoke.Where(p => !ReferenceEquals(p, choker.Optimistic)).ToList();
        Assert.Equal(4, regular.Count(peers.Skip(5).Contains));
        Assert.Equal(4, regular.Count(peers.Take(5).Contains));
    }

    [Fact]
    public void Equal_peers_are_ordered_by_the_seeded_random_so_runs_repeat()
    {
        var peers = Peers(12);
        HashSet<Peer> Run() => new Choker<Peer>(new FakeTimeProvider(), new Random(42)).Decide(
            [.. peers.Select(p => new ChokeCandidate<Peer>(p, true, false, false, 0, 0, false, 0, 0))], false, 0);
        Assert.Equal(Run(), Run());
    }
}

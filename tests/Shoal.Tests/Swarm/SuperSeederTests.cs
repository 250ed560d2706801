using Shoal.Swarm;
using Shoal.Wire;

namespace Shoal.Tests.Swarm;

public class SuperSeederTests
{
    private sealed class Peer(string name, int pieces)
    {
        public Bitfield Has { get; } = new(pieces);
        public override string ToString() => name;
    }

    /// <summary>A swarm seen from the seed: peers' pieces and availability kept as a real torrent keeps them.</summary>
    private sealed class Swarm
    {
        public Swarm(int pieces, int seed = 1)
        {
            Availability = new int[pieces];
            Seeder = new SuperSeeder<Peer>(pieces, p => p.Has, i => Availability[i], new Random(seed));
            Pieces = pieces;
        }

        public int Pieces { get; }
        public int[] Availability { get; }
        public SuperSeeder<Peer> Seeder { get; }
        public List<(Peer Peer, int Piece)> Offers { get; } = [];

        public Peer Join(string name, out int offer)
        {
            var peer = new Peer(name, Pieces);
            offer = Seeder.Join(peer);
            return peer;
        }

        /// <summary>The peer got the piece and said so; returns the offers that followed.</summary>
        public List<(Peer Peer, int Piece)> Have(Peer peer, int piece)
        {
            peer.Has[piece] = true;
            Availability[piece]++;
            Offers.Clear();
            Seeder.OnHave(piece, Offers);
            return [.. Offers];
        }
    }

    [Fact]
    public void Each_new_peer_is_offered_a_different_piece_while_some_piece_has_not_been_offered()
    {
        var swarm = new Swarm(pieces: 8);
        var offers = new HashSet<int>();
        for (int i = 0; i < 8; i++)
        {
            var peer = swarm.Join($"p{i}", out int offer);
            Assert.InRange(offer, 0, 7);
            Assert.True(offers.Add(offer), $"piece {offer} offered twice");
            Assert.True(swarm.Seeder.OnRequest(peer, offer));
        }
    }

    [Fact]
    public void A_peer_gets_its_next_piece_only_when_another_peer_has_its_last()
    {
        var swarm = new Swarm(pieces: 8);
        var a = swarm.Join("a", out int pieceA);
        var b = swarm.Join("b", out int pieceB);

        Assert.Empty(swarm.Have(a, pieceA)); // a has it, but nobody else yet: a waits
        Assert.Equal(pieceA, swarm.Seeder.CurrentOffer(a));
        Assert.False(swarm.Seeder.OnRequest(a, pieceB));

        var next = swarm.Have(b, pieceA); // a passed it on to b
        var (peer, piece) = Assert.Single(next);
        Assert.Same(a, peer);
        Assert.NotEqual(pieceA, piece);
        Assert.NotEqual(pieceB, piece); // b still holds that offer
        Assert.True(swarm.Seeder.OnRequest(a, piece));
        Assert.Equal(pieceB, swarm.Seeder.CurrentOffer(b)); // b's own offer has not spread yet
    }

    [Fact]
    public void A_peer_that_never_passes_its_piece_on_is_offered_nothing_more()
    {
        var swarm = new Swarm(pieces: 16);
        var leech = swarm.Join("leech", out int first);
        var others = Enumerable.Range(0, 3).Select(i => swarm.Join($"p{i}", out _)).ToList();

        swarm.Have(leech, first);
        foreach (var other in others)
            swarm.Have(other, swarm.Seeder.CurrentOffer(other)); // they got theirs but nobody spread them

        Assert.Equal(first, swarm.Seeder.CurrentOffer(leech));
        Assert.Equal(1, Enumerable.Range(0, 16).Count(i => swarm.Seeder.OnRequest(leech, i)));
    }

    [Fact]
    public void Not_interested_after_asking_for_its_piece_counts_as_done_for_a_peer_that_sends_no_have()
    {
        var swarm = new Swarm(pieces: 8);
        var a = swarm.Join("a", out int pieceA);
        var b = swarm.Join("b", out _);
        swarm.Have(b, pieceA); // b has a's piece already, and a will say no have
        Assert.True(swarm.Seeder.OnRequest(a, pieceA));

        var offers = new List<(Peer, int)>();
        swarm.Seeder.OnNotInterested(a, offers);

        var (peer, piece) = Assert.Single(offers);
        Assert.Same(a, peer);
        Assert.NotEqual(pieceA, piece);
    }

    [Fact]
    public void Not_interested_before_asking_for_its_piece_crossed_the_offer_and_is_ignored()
    {
        var swarm = new Swarm(pieces: 8);
        var a = swarm.Join("a", out int pieceA);
        var b = swarm.Join("b", out _);
        swarm.Have(b, pieceA);

        var offers = new List<(Peer, int)>();
        swarm.Seeder.OnNotInterested(a, offers);

        Assert.Empty(offers);
        Assert.Equal(pieceA, swarm.Seeder.CurrentOffer(a));
    }

    [Fact]
    public void A_request_for_a_piece_never_offered_is_refused()
    {
        var swarm = new Swarm(pieces: 8);
        var a = swarm.Join("a", out int pieceA);

        Assert.False(swarm.Seeder.OnRequest(a, (pieceA + 1) % 8));
        Assert.False(swarm.Seeder.OnRequest(new Peer("stranger", 8), pieceA));
    }

    [Fact]
    public void The_last_peer_left_is_not_kept_waiting_for_a_spread_no_one_can_see()
    {
        var swarm = new Swarm(pieces: 8);
        var a = swarm.Join("a", out int pieceA);
        var b = swarm.Join("b", out _);
        Assert.Empty(swarm.Have(a, pieceA));

        var offers = new List<(Peer, int)>();
        swarm.Seeder.Leave(b, offers);

        var (peer, piece) = Assert.Single(offers);
        Assert.Same(a, peer);
        Assert.NotEqual(pieceA, piece);
    }

    [Fact]
    public void A_departed_peers_offer_goes_to_the_next_peer_first()
    {
        var swarm = new Swarm(pieces: 3);
        var a = swarm.Join("a", out int pieceA);
        swarm.Join("b", out _);
        swarm.Join("c", out _);
        swarm.Seeder.Leave(a, []);

        swarm.Join("d", out int pieceD);

        Assert.Equal(pieceA, pieceD); // the only piece not offered to someone now
    }

    [Fact]
    public void Once_every_piece_is_offered_the_least_held_one_is_offered_again()
    {
        var swarm = new Swarm(pieces: 2);
        swarm.Join("a", out int pieceA);
        swarm.Join("b", out int pieceB);
        swarm.Availability[pieceB] += 2; // two peers greeted before superseeding hold it

        swarm.Join("c", out int offer);

        Assert.Equal(pieceA, offer);
    }

    [Fact]
    public void A_piece_no_peer_has_is_offered_again_before_one_already_passed_on()
    {
        // More peers than pieces, as with 100 leechers and a 64-piece file: an offer can sit
        // with a peer the seed has not unchoked yet. A peer that joins later must get that
        // piece (the first copy still has to leave the seed), not one that already spread.
        var swarm = new Swarm(pieces: 2);
        var a = swarm.Join("a", out int pieceA);
        swarm.Join("b", out int pieceB); // b never asks for it
        var c = swarm.Join("c", out _);
        swarm.Have(a, pieceA);
        swarm.Have(c, pieceA); // a passed its piece on; a moves on to pieceB

        swarm.Join("d", out int offer);

        Assert.Equal(pieceB, offer);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Among_pieces_no_peer_has_one_on_its_way_to_a_peer_is_offered_last(int seed)
    {
        var swarm = new Swarm(pieces: 2, seed);
        var a = swarm.Join("a", out int pieceA);
        swarm.Join("b", out int pieceB);
        Assert.True(swarm.Seeder.OnRequest(a, pieceA)); // a is fetching its piece; b has not asked

        swarm.Join("c", out int offer);

        Assert.Equal(pieceB, offer);
    }
    [Fact]
    public void A_peer_that_has_everything_else_is_offered_nothing()
    {
        var swarm = new Swarm(pieces: 2);
        var peer = new Peer("almost", 2);
        peer.Has[0] = peer.Has[1] = true;

        Assert.Equal(-1, swarm.Seeder.Join(peer));
        Assert.False(swarm.Seeder.OnRequest(peer, 0));
    }

    [Fact]
    public void Every_piece_is_seen_once_the_peers_together_held_each_one_counting_what_they_held_before()
    {
        var swarm = new Swarm(pieces: 4);
        var early = new Peer("early", 4);
        early.Has[3] = true;
        swarm.Seeder.Held(early.Has); // connected before superseeding began: it sends no have for it
        var a = swarm.Join("a", out int pieceA);
        var b = swarm.Join("b", out int pieceB);
        swarm.Have(a, pieceA);
        swarm.Have(b, pieceB);
        Assert.False(swarm.Seeder.EveryPieceSeen);
        int last = Enumerable.Range(0, 4).Single(p => p != pieceA && p != pieceB && p != 3);
        swarm.Have(a, last);
        Assert.True(swarm.Seeder.EveryPieceSeen);
    }

    [Fact]
    public void Ending_returns_what_each_peer_was_told()
    {
        var swarm = new Swarm(pieces: 8);
        var a = swarm.Join("a", out int pieceA);

        var told = swarm.Seeder.End();

        var (peer, bits) = Assert.Single(told);
        Assert.Same(a, peer);
        Assert.Equal([pieceA], bits.SetIndices());
        Assert.Equal(-1, swarm.Seeder.CurrentOffer(a));
        Assert.False(swarm.Seeder.OnRequest(a, pieceA));
    }

    [Fact]
    public void Random_swarms_keep_every_offer_unique_until_all_pieces_are_out()
    {
        for (int seed = 0; seed < 50; seed++)
        {
            var random = new Random(seed);
            int pieces = random.Next(4, 40);
            var swarm = new Swarm(pieces, seed);
            var peers = new List<Peer>();
            var offeredOnce = new HashSet<int>();
            for (int step = 0; step < 200 && offeredOnce.Count < pieces; step++)
            {
                if (peers.Count < 6 && random.Next(3) == 0)
                {
                    var peer = swarm.Join($"p{step}", out int offer);
                    peers.Add(peer);
                    Assert.True(offer < 0 || offeredOnce.Add(offer), $"seed {seed}: piece {offer} offered again before all were out");
                    continue;
                }
                if (peers.Count == 0)
                    continue;
                // Someone gets a piece it was told of, or one from another peer.
                var getter = peers[random.Next(peers.Count)];
                int current = swarm.Seeder.CurrentOffer(getter);
                var fromPeer = peers.SelectMany(p => p.Has.SetIndices()).Where(i => !getter.Has[i]).ToList();
                int got = current >= 0 && !getter.Has[current] && random.Next(2) == 0 ? current
                    : fromPeer.Count > 0 ? fromPeer[random.Next(fromPeer.Count)] : current;
                if (got < 0 || getter.Has[got])
                    continue;
                foreach (var (_, next) in swarm.Have(getter, got))
                    Assert.True(offeredOnce.Add(next), $"seed {seed}: piece {next} offered again before all were out");
            }
        }
    }
}

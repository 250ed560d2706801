using Shoal.Wire;

namespace Shoal.Swarm;

/// <summary>
/// Superseeding (BEP 16): a seed that says it has nothing and offers each peer one piece at a
/// time, with a have. The peer gets its next piece only once the last one was seen spreading:
/// it has the piece and so does another peer (or no other peer is left to give it to), or it
/// lost interest in us. Offers go to the rarest pieces, and a piece offered to someone is
/// offered to another only when nothing rarer is left, so the first copy leaves the seed about
/// once and the peers trade the rest. A peer that never passes its piece on gets no more.
/// Pure: peers' pieces and availability come in through delegates; the caller sends the haves.
/// </summary>
internal sealed class SuperSeeder<TPeer>(int pieceCount, Func<TPeer, Bitfield> has, Func<int, int> availability, Random random)
    where TPeer : class
{
    private sealed class Offer(int pieceCount)
    {
        public int Current = -1;
        /// <summary>It asked us for a block of <see cref="Current"/>.</summary>
        public bool Asked;
        /// <summary>It asked for <see cref="Current"/> and then lost interest: done with it, even without a have.</summary>
        public bool Finished;
        /// <summary>Every piece we have told it about: what it may ask for.</summary>
        public readonly Bitfield Told = new(pieceCount);
    }

    private readonly Dictionary<TPeer, Offer> _peers = new(ReferenceEqualityComparer.Instance as IEqualityComparer<TPeer>);
    /// <summary>How many peers hold each piece as their current offer.</summary>
    private readonly int[] _offered = new int[pieceCount];
    /// <summary>How many of those have asked for it: the piece is on its way to them.</summary>
    private readonly int[] _asked = new int[pieceCount];
    /// <summary>Pieces some peer said it has, since superseeding began.</summary>
    private readonly Bitfield _seen = new(pieceCount);

    /// <summary>Every piece was seen at some peer: together they held a whole copy (initial seeding ends here).</summary>
    public bool EveryPieceSeen => _seen.All;

    /// <summary>Notes the pieces a peer held before superseeding began (it sends no haves for them).</summary>
    public void Held(Bitfield pieces)
    {
        foreach (int piece in pieces.SetIndices())
            _seen[piece] = true;
    }

    /// <summary>Whether the peer was greeted as a superseeded peer.</summary>
    public bool Tracks(TPeer peer) => _peers.ContainsKey(peer);

    /// <summary>The piece the peer is working on now, or -1.</summary>
    public int CurrentOffer(TPeer peer) => _peers.TryGetValue(peer, out var offer) ? offer.Current : -1;

    /// <summary>The peer asks for a block of <paramref name="piece"/>: whether it may (only pieces it was told of), noting that it did.</summary>
    public bool OnRequest(TPeer peer, int piece)
    {
        if (!_peers.TryGetValue(peer, out var offer) || !offer.Told[piece])
            return false;
        if (piece == offer.Current && !offer.Asked)
        {
            offer.Asked = true;
            _asked[piece]++;
        }
        return true;
    }

    /// <summary>A peer was greeted with nothing: returns its first piece to announce, or -1 when it lacks none.</summary>
    public int Join(TPeer peer)
    {
        var offer = new Offer(pieceCount);
        _peers[peer] = offer;
        return OfferNext(peer, offer);
    }

    /// <summary>The peer left: its offer is free for others. Adds to <paramref name="offers"/> the new offers this unblocks (to send as haves).</summary>
    public void Leave(TPeer peer, List<(TPeer Peer, int Piece)> offers)
    {
        if (!_peers.Remove(peer, out var offer))
            return;
        Withdraw(offer);
        if (_peers.Count == 1)
            MoveOn(-1, offers); // the one left has no one to pass its piece to
    }

    /// <summary>
    /// A peer said it has <paramref name="piece"/> (its bitfield and the availability already
    /// count it): each peer whose offer that was and which holds it now moves on.
    /// </summary>
    public void OnHave(int piece, List<(TPeer Peer, int Piece)> offers)
    {
        _seen[piece] = true;
        if (_offered[piece] != 0)
            MoveOn(piece, offers);
    }

    /// <summary>
    /// The peer lost interest in us: if it had asked for its offer, it is done with it (some
    /// clients send no have to a peer that has the piece). A loss of interest sent before the
    /// offer arrived (it crossed our have on the wire) comes before any request, so it is ignored.
    /// </summary>
    public void OnNotInterested(TPeer peer, List<(TPeer Peer, int Piece)> offers)
    {
        if (!_peers.TryGetValue(peer, out var offer) || offer.Current < 0 || !offer.Asked)
            return;
        offer.Finished = true;
        if (Spread(peer, offer))
        {
            offers.Add((peer, -1));
            FillOffers(offers);
        }
    }

    /// <summary>Stops superseeding: forgets every peer and returns what each was told, so the rest can be announced.</summary>
    public List<(TPeer Peer, Bitfield Told)> End()
    {
        var told = _peers.Select(p => (p.Key, p.Value.Told)).ToList();
        _peers.Clear();
        Array.Clear(_offered);
        Array.Clear(_asked);
        return told;
    }

    private bool Spread(TPeer peer, Offer offer)
    {
        int piece = offer.Current;
        bool said = has(peer)[piece];
        if (!said && !offer.Finished)
            return false;
        int elsewhere = availability(piece) - (said ? 1 : 0);
        return elsewhere > 0 || _peers.Count == 1;
    }

    /// <summary>Gives the next piece to each peer whose offer (<paramref name="piece"/>, or any when -1) has spread.</summary>
    private void MoveOn(int piece, List<(TPeer Peer, int Piece)> offers)
    {
        foreach (var (peer, offer) in _peers)
        {
            if (offer.Current >= 0 && (piece < 0 || offer.Current == piece) && Spread(peer, offer))
                offers.Add((peer, -1)); // filled in below: no offer changes while the dictionary is walked
        }
        FillOffers(offers);
    }

    private void FillOffers(List<(TPeer Peer, int Piece)> offers)
    {
        for (int i = 0; i < offers.Count; i++)
        {
            if (offers[i].Piece >= 0)
                continue;
            var peer = offers[i].Peer;
            int next = OfferNext(peer, _peers[peer]);
            offers[i] = (peer, next);
        }
        offers.RemoveAll(o => o.Piece < 0);
    }

    private void Withdraw(Offer offer)
    {
        if (offer.Current < 0)
            return;
        _offered[offer.Current]--;
        if (offer.Asked)
            _asked[offer.Current]--;
    }

    private int OfferNext(TPeer peer, Offer offer)
    {
        Withdraw(offer);
        offer.Current = Rarest(has(peer), offer.Told);
        offer.Asked = offer.Finished = false;
        if (offer.Current >= 0)
        {
            _offered[offer.Current]++;
            offer.Told[offer.Current] = true;
        }
        return offer.Current;
    }

    /// <summary>
    /// The piece the peer lacks and was not told of that is held by the fewest peers, then on its
    /// way to the fewest (asked for), then offered to the fewest; ties at random. Held comes first:
    /// with more peers than pieces an offer can sit with a peer we have not unchoked, and a piece
    /// no one has yet must still leave us before one that already spread is sent again. The scan
    /// starts at a random piece and stops at a piece no one has or is offered, the best there can
    /// be, so it is short while the first copy goes out.
    /// </summary>
    private int Rarest(Bitfield peerHas, Bitfield told)
    {
        int best = -1;
        long bestKey = long.MaxValue;
        int ties = 0;
        int start = random.Next(pieceCount);
        for (int n = 0; n < pieceCount; n++)
        {
            int piece = start + n < pieceCount ? start + n : start + n - pieceCount;
            if (peerHas[piece] || told[piece])
                continue;
            long key = (Field(availability(piece)) << 42) | (Field(_asked[piece]) << 21) | Field(_offered[piece]);
            if (key == 0)
                return piece;
            if (key < bestKey)
            {
                (best, bestKey, ties) = (piece, key, 1);
            }
            else if (key == bestKey && random.Next(++ties) == 0)
            {
                best = piece;
            }
        }
        return best;
    }

    /// <summary>A count as one 21-bit field of a sort key (more than 2 million peers sort alike).</summary>
    private static long Field(int count) => Math.Min(count, (1 << 21) - 1);
}

using Shoal.Wire;

namespace Shoal.Swarm;

/// <summary>
/// Decides which blocks to ask each peer for: blocks of started pieces first, then a new piece,
/// rarest in the swarm with a random tie-break (random for the first few pieces so a new peer
/// soon has something to trade; lowest index first in sequential mode); in endgame, blocks
/// already requested from others. What it chooses from is kept ready (<see cref="PieceBuckets"/>,
/// the started pieces with blocks left to ask for, byte counts), so that a request costs about
/// the same for a torrent of a thousand pieces as for one of a quarter of a million. Not
/// thread-safe: the torrent calls it under its lock.
/// </summary>
internal sealed partial class PiecePicker<TPeer> where TPeer : class
{
    public const int RandomFirstPieces = 4;
    /// <summary>In endgame, how many peers may be asked for the same block.</summary>
    public const int EndgameRequesters = 2;

    private readonly int _pieceCount;
    private readonly Func<int, int> _pieceSize;
    private readonly Random _random;
    private readonly int[] _availability;
    private readonly byte[] _priority;
    private readonly PieceBuckets _candidates;
    private readonly Dictionary<int, PartialPiece<TPeer>> _partialByIndex = [];
    private readonly SortedSet<PartialPiece<TPeer>> _partials = new(Comparer<PartialPiece<TPeer>>.Create((a, b) => a.Sequence.CompareTo(b.Sequence)));
    private readonly SortedSet<PartialPiece<TPeer>> _open = new(Comparer<PartialPiece<TPeer>>.Create((a, b) => a.Sequence.CompareTo(b.Sequence)));
    private readonly List<PartialPiece<TPeer>> _closing = [];
    private long _sequence;

    public PiecePicker(int pieceCount, Func<int, int> pieceSize, Bitfield have, Random random)
    {
        _pieceCount = pieceCount;
        _pieceSize = pieceSize;
        Have = have;
        _random = random;
        _availability = new int[pieceCount];
        _priority = new byte[pieceCount];
        Array.Fill(_priority, (byte)1);
        _candidates = new PieceBuckets(pieceCount);
        for (int i = 0; i < pieceCount; i++)
        {
            long size = pieceSize(i);
            WantedBytes += size;
            if (have[i])
                VerifiedWantedBytes += size;
            else
                _candidates.Add(i, 1, 0);
        }
        MissingWanted = pieceCount - have.SetCount;
    }

    /// <summary>Pieces verified and written.</summary>
    public Bitfield Have { get; }
    public bool Sequential { get; set; }
    /// <summary>The started pieces, oldest first.</summary>
    public IReadOnlyCollection<PartialPiece<TPeer>> Partials => _partials;

    /// <summary>The started piece <paramref name="index"/>, or null.</summary>
    public PartialPiece<TPeer>? Partial(int index) => _partialByIndex.GetValueOrDefault(index);

    /// <summary>Sets a piece's priority: 0 skips it; higher is fetched first (up to <see cref="PieceBuckets.MaxPriority"/>).</summary>
    public void SetPriority(int piece, byte priority)
    {
        priority = Math.Min(priority, (byte)PieceBuckets.MaxPriority);
        bool was = _priority[piece] > 0, now = priority > 0;
        if (was != now)
        {
            int sign = now ? 1 : -1;
            long size = _pieceSize(piece);
            WantedBytes += sign * size;
            if (Have[piece])
                VerifiedWantedBytes += sign * size;
            else
            {
                MissingWanted += sign;
                if (_availability[piece] > 0)
                    AvailableMissingBytes += sign * size;
            }
        }
        _priority[piece] = priority;
        if (!now)
            _candidates.Remove(piece);
        else if (_candidates.Contains(piece))
            _candidates.Move(piece, priority, _availability[piece]);
        else if (!Have[piece] && !_partialByIndex.ContainsKey(piece))
            _candidates.Add(piece, priority, _availability[piece]);
    }
    public byte Priority(int piece) => _priority[piece];
    public bool IsWanted(int piece) => _priority[piece] > 0;
    public int Availability(int piece) => _availability[piece];

    /// <summary>How many wanted pieces are not had yet (kept as pieces pass and priorities change).</summary>
    public int MissingWanted { get; private set; }

    /// <summary>Bytes of the wanted pieces, of those verified, and of those missing that a connected peer has (all kept as things change).</summary>
    public long WantedBytes { get; private set; }
    public long VerifiedWantedBytes { get; private set; }
    public long AvailableMissingBytes { get; private set; }

    /// <summary>True when every wanted piece is had.</summary>
    public bool WantedComplete => MissingWanted == 0;

    public bool IsInteresting(int piece) => !Have[piece] && _priority[piece] > 0;

    public void AddAvailability(Bitfield peerHas)
    {
        foreach (int piece in peerHas.SetIndices())
            ChangeAvailability(piece, 1);
    }

    public void RemoveAvailability(Bitfield peerHas)
    {
        foreach (int piece in peerHas.SetIndices())
            ChangeAvailability(piece, -1);
    }

    public void AddAvailability(int piece) => ChangeAvailability(piece, 1);

    private void ChangeAvailability(int piece, int by)
    {
        int before = _availability[piece];
        int after = Math.Max(0, before + by);
        _availability[piece] = after;
        if ((before > 0) != (after > 0) && _priority[piece] > 0 && !Have[piece])
            AvailableMissingBytes += (after > 0 ? 1 : -1) * (long)_pieceSize(piece);
        _candidates.Move(piece, _priority[piece], after);
    }

    /// <summary>
    /// Adds up to <paramref name="count"/> blocks for <paramref name="peer"/> to
    /// <paramref name="output"/> and marks them requested. <paramref name="allowed"/>, when
    /// given, limits the pieces (a choking peer's allowed-fast set). A peer on
    /// <paramref name="parole"/> gets only whole pieces of its own, so if one fails again the
    /// culprit is known. <paramref name="accept"/>, when given, is a further filter of pieces
    /// (those ours to fetch from a remote peer, see <see cref="SiteShare"/>).
    /// </summary>
    public void Pick(TPeer peer, Bitfield peerHas, int count, List<BlockRequest> output, IReadOnlySet<int>? allowed = null,
        IReadOnlyCollection<int>? suggested = null, bool parole = false, Predicate<int>? accept = null)
    {
        int before = output.Count;
        PickCore(peer, peerHas, count, output, allowed, suggested, parole, accept);
        // A peer on parole with no piece of its own left shares pieces again rather than stall;
        // if it is the culprit, comparing blocks when the piece passes still names it.
        if (parole && output.Count == before)
            PickCore(peer, peerHas, count, output, allowed, suggested, parole: false, accept);
    }

    private void PickCore(TPeer peer, Bitfield peerHas, int count, List<BlockRequest> output, IReadOnlySet<int>? allowed,
        IReadOnlyCollection<int>? suggested, bool parole, Predicate<int>? accept)
    {
        int start = output.Count;
        bool Usable(PartialPiece<TPeer> partial)
        {
            if (!peerHas[partial.Index] || (allowed is not null && !allowed.Contains(partial.Index)) || (accept is not null && !accept(partial.Index)))
                return false;
            if (partial.Exclusive is not null)
                return ReferenceEquals(partial.Exclusive, peer);
            if (!parole)
                return true;
            if (partial.Received > 0 || partial.Requested > 0)
                return false;
            partial.Exclusive = peer; // an untouched piece: the peer on parole takes it alone
            return true;
        }

        // 1. Finish what is started (the oldest first), among the pieces with blocks left to ask for.
        foreach (var partial in _open)
        {
            if (output.Count - start >= count)
                break;
            if (Usable(partial))
                TakeFree(partial, peer, count - (output.Count - start), output);
        }
        CloseFilled();
        if (output.Count - start >= count)
            return;
        // 2. Start new pieces.
        while (output.Count - start < count)
        {
            int piece = ChooseNewPiece(peerHas, allowed, suggested, accept);
            if (piece < 0)
                break;
            var partial = Start(piece);
            if (parole)
                partial.Exclusive = peer;
            TakeFree(partial, peer, count - (output.Count - start), output);
            CloseFilled();
        }
        // 3. Endgame: every wanted block is requested; ask this peer too for blocks still out. Not
        // a peer our site's share filters (a remote one while the site shares out its pieces): a
        // second copy of a block from afar is what the share is there to save; once the site is
        // stalled or in its tail the filter is lifted and endgame comes back.
        if (output.Count - start < count && !parole && accept is null && InEndgame())
        {
            foreach (var partial in _partials)
            {
                if (partial.Complete || !Usable(partial))
                    continue;
                for (int b = 0; b < partial.BlockCount && output.Count - start < count; b++)
                {
                    var requesters = partial.Requesters[b];
                    if (partial.States[b] == PartialPiece<TPeer>.BlockState.Requested && requesters is not null
                        && requesters.Count < EndgameRequesters && !requesters.Contains(peer))
                    {
                        requesters.Add(peer);
                        output.Add(partial.Block(b));
                    }
                }
            }
        }
    }

    /// <summary>True when no wanted piece is unstarted and no started piece has an unrequested block.</summary>
    public bool InEndgame() => _candidates.Count == 0 && _open.Count == 0;

    private PartialPiece<TPeer> Start(int piece)
    {
        _candidates.Remove(piece);
        var partial = new PartialPiece<TPeer>(piece, _pieceSize(piece)) { Sequence = _sequence++ };
        _partials.Add(partial);
        _partialByIndex[piece] = partial;
        UpdateOpen(partial);
        return partial;
    }

    /// <summary>Keeps <paramref name="partial"/> in the open set exactly while it is started and has a block not asked for (not while iterating the set: see <see cref="CloseFilled"/>).</summary>
    private void UpdateOpen(PartialPiece<TPeer> partial)
    {
        bool open = partial.Requested + partial.Received < partial.BlockCount && _partialByIndex.ContainsKey(partial.Index);
        if (open == partial.Open)
            return;
        partial.Open = open;
        if (open)
            _open.Add(partial);
        else
            _open.Remove(partial);
    }

    /// <summary>Takes out of the open set the pieces <see cref="TakeFree"/> asked every block of.</summary>
    private void CloseFilled()
    {
        foreach (var partial in _closing)
            UpdateOpen(partial);
        _closing.Clear();
    }

    private void TakeFree(PartialPiece<TPeer> partial, TPeer peer, int count, List<BlockRequest> output)
    {
        for (int b = 0; b < partial.BlockCount && count > 0; b++)
        {
            if (partial.States[b] != PartialPiece<TPeer>.BlockState.Free)
                continue;
            partial.States[b] = PartialPiece<TPeer>.BlockState.Requested;
            partial.Requested++;
            (partial.Requesters[b] ??= []).Add(peer);
            output.Add(partial.Block(b));
            count--;
        }
        if (partial.Requested + partial.Received == partial.BlockCount)
            _closing.Add(partial); // closed after the iteration over the open set
    }

    private int ChooseNewPiece(Bitfield peerHas, IReadOnlySet<int>? allowed, IReadOnlyCollection<int>? suggested, Predicate<int>? accept)
    {
        // The candidates are wanted, missing and not started; what is left is this peer's part.
        bool Usable(int i) => peerHas[i] && (allowed is null || allowed.Contains(i)) && (accept is null || accept(i));
        if (suggested is not null && !Sequential)
        {
            foreach (int s in suggested)
            {
                if (s >= 0 && s < _pieceCount && _candidates.Contains(s) && Usable(s))
                    return s;
            }
        }
        if (allowed is not null)
            return BestOf(allowed, Usable); // a choking peer's few allowed-fast pieces
        if (Sequential)
            return _candidates.First(Usable);
        if (Have.SetCount < RandomFirstPieces && _candidates.AnyRandom(Usable, _random) is int random and >= 0)
            return random;
        return _candidates.Rarest(Usable, _random);
    }

    /// <summary>The best of a few <paramref name="pieces"/>: highest priority, then rarest, ties at random.</summary>
    private int BestOf(IEnumerable<int> pieces, Func<int, bool> usable)
    {
        int best = -1, bestPriority = -1, bestAvailability = int.MaxValue, ties = 0;
        foreach (int i in pieces)
        {
            if (i < 0 || i >= _pieceCount || !_candidates.Contains(i) || !usable(i))
                continue;
            int priority = _priority[i];
            int availability = Sequential ? 0 : _availability[i];
            if (priority > bestPriority || (priority == bestPriority && availability < bestAvailability))
            {
                (best, bestPriority, bestAvailability, ties) = (i, priority, availability, 1);
            }
            else if (priority == bestPriority && availability == bestAvailability)
            {
                // Reservoir sampling: each tied piece is chosen with equal probability (in order when sequential).
                if (Sequential ? i < best : _random.Next(++ties) == 0)
                    best = i;
            }
        }
        return best;
    }

    /// <summary>Ends a piece after hashing: marks it had, or puts it back to be fetched again.</summary>
    public void Finish(PartialPiece<TPeer> partial, bool verified)
    {
        int piece = partial.Index;
        _partials.Remove(partial);
        _partialByIndex.Remove(piece);
        UpdateOpen(partial);
        partial.ReturnBuffer();
        if (verified && !Have[piece])
        {
            Have[piece] = true;
            if (_priority[piece] > 0)
            {
                MissingWanted--;
                long size = _pieceSize(piece);
                VerifiedWantedBytes += size;
                if (_availability[piece] > 0)
                    AvailableMissingBytes -= size;
            }
        }
        else if (!Have[piece] && _priority[piece] > 0)
        {
            _candidates.Add(piece, _priority[piece], _availability[piece]); // to be fetched again
        }
    }

    /// <summary>Drops every started piece (the torrent stopped); each is a candidate again.</summary>
    public void Clear()
    {
        foreach (var partial in _partials)
        {
            if (!partial.Complete)
                partial.ReturnBuffer();
            partial.Open = false;
            if (!Have[partial.Index] && _priority[partial.Index] > 0)
                _candidates.Add(partial.Index, _priority[partial.Index], _availability[partial.Index]);
        }
        _partials.Clear();
        _open.Clear();
        _partialByIndex.Clear();
    }
}

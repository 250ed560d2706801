using Shoal.Wire;

namespace Shoal.Swarm;

/// <summary>
/// Decides which blocks to ask each peer for: blocks of started pieces first, then a new piece,
/// rarest in the swarm with a random tie-break (random for the first few pieces so a new peer
/// soon has something to trade; lowest index first in sequential mode); in endgame, blocks
/// already requested from others. Not thread-safe: the torrent calls it under its lock.
/// </summary>
internal sealed class PiecePicker<TPeer> where TPeer : class
{
    public const int RandomFirstPieces = 4;
    /// <summary>In endgame, how many peers may be asked for the same block.</summary>
    public const int EndgameRequesters = 2;

    private readonly int _pieceCount;
    private readonly Func<int, int> _pieceSize;
    private readonly Random _random;
    private readonly int[] _availability;
    private readonly byte[] _priority;
    private readonly List<PartialPiece<TPeer>> _partials = [];
    private readonly Dictionary<int, PartialPiece<TPeer>> _partialByIndex = [];

    public PiecePicker(int pieceCount, Func<int, int> pieceSize, Bitfield have, Random random)
    {
        _pieceCount = pieceCount;
        _pieceSize = pieceSize;
        Have = have;
        _random = random;
        _availability = new int[pieceCount];
        _priority = new byte[pieceCount];
        Array.Fill(_priority, (byte)1);
        MissingWanted = pieceCount - have.SetCount;
    }

    /// <summary>Pieces verified and written.</summary>
    public Bitfield Have { get; }
    public bool Sequential { get; set; }
    public IReadOnlyList<PartialPiece<TPeer>> Partials => _partials;

    /// <summary>The started piece <paramref name="index"/>, or null.</summary>
    public PartialPiece<TPeer>? Partial(int index) => _partialByIndex.GetValueOrDefault(index);

    /// <summary>Sets a piece's priority: 0 skips it; higher is fetched first.</summary>
    public void SetPriority(int piece, byte priority)
    {
        if (!Have[piece] && (_priority[piece] > 0) != (priority > 0))
            MissingWanted += priority > 0 ? 1 : -1;
        _priority[piece] = priority;
    }
    public byte Priority(int piece) => _priority[piece];
    public bool IsWanted(int piece) => _priority[piece] > 0;
    public int Availability(int piece) => _availability[piece];

    /// <summary>How many wanted pieces are not had yet (kept as pieces pass and priorities change).</summary>
    public int MissingWanted { get; private set; }

    /// <summary>True when every wanted piece is had.</summary>
    public bool WantedComplete => MissingWanted == 0;

    public bool IsInteresting(int piece) => !Have[piece] && _priority[piece] > 0;

    public void AddAvailability(Bitfield peerHas)
    {
        for (int i = 0; i < _pieceCount; i++)
        {
            if (peerHas[i])
                _availability[i]++;
        }
    }

    public void RemoveAvailability(Bitfield peerHas)
    {
        for (int i = 0; i < _pieceCount; i++)
        {
            if (peerHas[i])
                _availability[i]--;
        }
    }

    public void AddAvailability(int piece) => _availability[piece]++;

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

        // 1. Finish what is started.
        foreach (var partial in _partials)
        {
            if (output.Count - start >= count)
                return;
            if (!partial.Complete && Usable(partial))
                TakeFree(partial, peer, count - (output.Count - start), output);
        }
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
        }
        // 3. Endgame: every wanted block is requested; ask this peer too for blocks still out.
        if (output.Count - start < count && !parole && InEndgame())
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
    public bool InEndgame()
    {
        foreach (var partial in _partials)
        {
            if (partial.Requested + partial.Received < partial.BlockCount)
                return false;
        }
        for (int i = 0; i < _pieceCount; i++)
        {
            if (_priority[i] > 0 && !Have[i] && !_partialByIndex.ContainsKey(i))
                return false;
        }
        return true;
    }

    private PartialPiece<TPeer> Start(int piece)
    {
        var partial = new PartialPiece<TPeer>(piece, _pieceSize(piece));
        _partials.Add(partial);
        _partialByIndex[piece] = partial;
        return partial;
    }

    private static void TakeFree(PartialPiece<TPeer> partial, TPeer peer, int count, List<BlockRequest> output)
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
    }

    private int ChooseNewPiece(Bitfield peerHas, IReadOnlySet<int>? allowed, IReadOnlyCollection<int>? suggested, Predicate<int>? accept)
    {
        bool Candidate(int i) => peerHas[i] && !Have[i] && _priority[i] > 0 && !_partialByIndex.ContainsKey(i)
            && (allowed is null || allowed.Contains(i)) && (accept is null || accept(i));
        if (suggested is not null && !Sequential)
        {
            foreach (int s in suggested)
            {
                if (s >= 0 && s < _pieceCount && Candidate(s))
                    return s;
            }
        }
        int best = -1, bestPriority = -1, bestAvailability = int.MaxValue, ties = 0;
        bool random = !Sequential && Have.SetCount < RandomFirstPieces;
        for (int i = 0; i < _pieceCount; i++)
        {
            if (!Candidate(i))
                continue;
            int priority = _priority[i];
            int availability = random || Sequential ? 0 : _availability[i];
            if (priority > bestPriority || (priority == bestPriority && availability < bestAvailability))
            {
                best = i;
                bestPriority = priority;
                bestAvailability = availability;
                ties = 1;
            }
            else if (priority == bestPriority && availability == bestAvailability && !Sequential)
            {
                // Reservoir sampling: each tied piece is chosen with equal probability.
                if (_random.Next(++ties) == 0)
                    best = i;
            }
        }
        return best;
    }

    /// <summary>
    /// Records a block from <paramref name="peer"/> and copies its data into the piece buffer.
    /// <paramref name="others"/> receives the other peers that were asked for the same block (to cancel).
    /// </summary>
    public BlockResult OnBlock(TPeer peer, int piece, int begin, ReadOnlySpan<byte> data, List<TPeer> others, out PartialPiece<TPeer>? completed)
    {
        completed = null;
        if (!_partialByIndex.TryGetValue(piece, out var partial) || begin % BlockRequest.BlockSize != 0 || begin < 0)
            return BlockResult.Unexpected;
        int block = begin / BlockRequest.BlockSize;
        if (block >= partial.BlockCount || partial.BlockLength(block) != data.Length)
            return BlockResult.Unexpected;
        var requesters = partial.Requesters[block];
        if (partial.States[block] == PartialPiece<TPeer>.BlockState.Received)
        {
            requesters?.Remove(peer);
            return BlockResult.Duplicate;
        }
        // A block we did not ask this peer for is still good data if we need it (a late reply after a timeout).
        if (partial.States[block] == PartialPiece<TPeer>.BlockState.Requested)
            partial.Requested--;
        partial.States[block] = PartialPiece<TPeer>.BlockState.Received;
        partial.Received++;
        partial.Senders[block] = peer;
        data.CopyTo(partial.Buffer.AsSpan(begin));
        if (requesters is not null)
        {
            foreach (var other in requesters)
            {
                if (!ReferenceEquals(other, peer))
                    others.Add(other);
            }
            partial.Requesters[block] = null;
        }
        if (!partial.Complete)
            return BlockResult.Accepted;
        completed = partial;
        return BlockResult.PieceComplete;
    }

    /// <summary>
    /// Forgets that <paramref name="peer"/> was asked for a block (choke, reject, timeout,
    /// disconnect). A peer that <paramref name="declined"/> it (a reject) also loses a piece it
    /// had to itself on parole, so a suspect that will not serve a piece never holds it back.
    /// </summary>
    public void Release(TPeer peer, BlockRequest request, bool declined = false)
    {
        if (!_partialByIndex.TryGetValue(request.Piece, out var partial))
            return;
        if (declined && ReferenceEquals(partial.Exclusive, peer))
            partial.Exclusive = null;
        int block = request.Begin / BlockRequest.BlockSize;
        if (block < 0 || block >= partial.BlockCount)
            return;
        var requesters = partial.Requesters[block];
        if (requesters is null || !requesters.Remove(peer))
            return;
        if (requesters.Count == 0 && partial.States[block] == PartialPiece<TPeer>.BlockState.Requested)
        {
            partial.States[block] = PartialPiece<TPeer>.BlockState.Free;
            partial.Requested--;
            partial.Requesters[block] = null;
        }
    }

    /// <summary>A peer left: pieces it had to itself are open to everyone again.</summary>
    public void Forget(TPeer peer)
    {
        foreach (var partial in _partials)
        {
            if (ReferenceEquals(partial.Exclusive, peer))
                partial.Exclusive = null;
        }
    }

    /// <summary>Ends a piece after hashing: marks it had, or puts it back to be fetched again.</summary>
    public void Finish(PartialPiece<TPeer> partial, bool verified)
    {
        _partials.Remove(partial);
        _partialByIndex.Remove(partial.Index);
        partial.ReturnBuffer();
        if (verified && !Have[partial.Index])
        {
            Have[partial.Index] = true;
            if (_priority[partial.Index] > 0)
                MissingWanted--;
        }
    }

    /// <summary>Drops every started piece (the torrent stopped).</summary>
    public void Clear()
    {
        foreach (var partial in _partials)
        {
            if (!partial.Complete)
                partial.ReturnBuffer();
        }
        _partials.Clear();
        _partialByIndex.Clear();
    }
}

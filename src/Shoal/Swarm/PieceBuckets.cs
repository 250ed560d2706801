namespace Shoal.Swarm;

/// <summary>
/// The pieces a picker may start (wanted, missing, not started), kept in buckets by priority and
/// availability so that choosing one costs about the number of buckets, not of pieces: the
/// rarest of the highest priority is the first bucket's, with a random start within it as the
/// tie-break; a piece moves between buckets in O(1) when a peer's have changes its availability.
/// Beside the buckets: every candidate in one array (uniform random picks) and a cursor below
/// which no piece is a candidate (in-order picks for streaming). Not thread-safe: the picker's
/// caller holds the torrent's lock.
/// </summary>
internal sealed class PieceBuckets
{
    public const int MaxPriority = 7;
    /// <summary>Random picks tried before falling back to the buckets' order.</summary>
    private const int RandomTries = 32;

    private readonly List<List<int>>[] _buckets = new List<List<int>>[MaxPriority + 1];
    private readonly int[] _slot;          // index within its bucket; -1 when not a candidate
    private readonly byte[] _inPriority;   // the bucket it is in
    private readonly int[] _inAvailability;
    private readonly List<int> _all = [];
    private readonly int[] _allSlot;
    private int _from;                     // no candidate below this index

    public PieceBuckets(int pieceCount)
    {
        _slot = new int[pieceCount];
        _allSlot = new int[pieceCount];
        _inPriority = new byte[pieceCount];
        _inAvailability = new int[pieceCount];
        Array.Fill(_slot, -1);
        Array.Fill(_allSlot, -1);
        for (int p = 1; p <= MaxPriority; p++)
            _buckets[p] = [];
        _from = pieceCount;
    }

    /// <summary>How many pieces may be started.</summary>
    public int Count => _all.Count;

    public bool Contains(int piece) => _slot[piece] >= 0;

    /// <summary>Makes <paramref name="piece"/> a candidate (it must not be one).</summary>
    public void Add(int piece, byte priority, int availability)
    {
        var bucket = Bucket(priority, availability);
        _slot[piece] = bucket.Count;
        bucket.Add(piece);
        _inPriority[piece] = priority;
        _inAvailability[piece] = availability;
        _allSlot[piece] = _all.Count;
        _all.Add(piece);
        if (piece < _from)
            _from = piece;
    }

    /// <summary>Takes <paramref name="piece"/> out of the candidates, if it is one.</summary>
    public void Remove(int piece)
    {
        if (_slot[piece] < 0)
            return;
        SwapOut(Bucket(_inPriority[piece], _inAvailability[piece]), _slot, piece);
        SwapOut(_all, _allSlot, piece);
    }

    /// <summary>A candidate's priority or availability changed: it moves to its new bucket.</summary>
    public void Move(int piece, byte priority, int availability)
    {
        if (_slot[piece] < 0 || (_inPriority[piece] == priority && _inAvailability[piece] == availability))
            return;
        SwapOut(Bucket(_inPriority[piece], _inAvailability[piece]), _slot, piece);
        var bucket = Bucket(priority, availability);
        _slot[piece] = bucket.Count;
        bucket.Add(piece);
        _inPriority[piece] = priority;
        _inAvailability[piece] = availability;
    }

    /// <summary>
    /// The candidate of highest priority and, among those, lowest availability that
    /// <paramref name="usable"/> accepts, starting at a random place in each bucket; -1 when none.
    /// </summary>
    public int Rarest(Func<int, bool> usable, Random random)
    {
        for (int p = MaxPriority; p >= 1; p--)
        {
            foreach (var bucket in _buckets[p])
            {
                int count = bucket.Count;
                if (count == 0)
                    continue;
                int start = random.Next(count);
                for (int k = 0; k < count; k++)
                {
                    int piece = bucket[(start + k) % count];
                    if (usable(piece))
                        return piece;
                }
            }
        }
        return -1;
    }

    /// <summary>A candidate of the highest priority drawn at random among all, if a few draws find one <paramref name="usable"/> accepts; -1 otherwise.</summary>
    public int AnyRandom(Func<int, bool> usable, Random random)
    {
        int top = TopPriority();
        for (int i = 0; i < RandomTries && _all.Count > 0; i++)
        {
            int piece = _all[random.Next(_all.Count)];
            if (_inPriority[piece] == top && usable(piece))
                return piece;
        }
        return -1;
    }

    /// <summary>The lowest-numbered candidate of the highest priority that <paramref name="usable"/> accepts; -1 when none.</summary>
    public int First(Func<int, bool> usable)
    {
        while (_from < _slot.Length && _slot[_from] < 0)
            _from++;
        int top = TopPriority();
        int best = -1;
        for (int piece = _from; piece < _slot.Length; piece++)
        {
            if (_slot[piece] < 0 || !usable(piece))
                continue;
            if (_inPriority[piece] == top)
                return piece;
            if (best < 0 || _inPriority[piece] > _inPriority[best])
                best = piece;
        }
        return best;
    }

    /// <summary>The highest priority a candidate has (0 when there is none).</summary>
    private int TopPriority()
    {
        for (int p = MaxPriority; p >= 1; p--)
        {
            foreach (var bucket in _buckets[p])
            {
                if (bucket.Count > 0)
                    return p;
            }
        }
        return 0;
    }

    private List<int> Bucket(byte priority, int availability)
    {
        var buckets = _buckets[Math.Clamp((int)priority, 1, MaxPriority)];
        while (buckets.Count <= availability)
            buckets.Add([]);
        return buckets[availability];
    }

    /// <summary>Removes <paramref name="piece"/> from <paramref name="list"/> by moving the last entry into its slot.</summary>
    private static void SwapOut(List<int> list, int[] slots, int piece)
    {
        int at = slots[piece];
        int last = list[^1];
        list[at] = last;
        slots[last] = at;
        list.RemoveAt(list.Count - 1);
        slots[piece] = -1;
    }
}

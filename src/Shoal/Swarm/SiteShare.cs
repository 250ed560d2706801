using Shoal.Peers;
using Shoal.Wire;

namespace Shoal.Swarm;

/// <summary>
/// Shares out among the downloaders of our own site which of them fetches each piece from afar
/// (a remote peer or web seed), so that a piece crosses the site's WAN link about once and then
/// spreads on the LAN. Each piece has one owner: of us and the connected local peers that are
/// not seeds, the one whose key (from its peer id) scores highest for the piece (rendezvous
/// hashing: every peer of the site that sees the same members picks the same owner, and a member
/// leaving moves only its own pieces). A piece a local peer already has is never fetched from
/// afar. After <see cref="StallGrace"/> in which neither we got a block nor a local peer a
/// piece, the sharing is suspended until one does, so owners that cannot get their pieces
/// never stall the site. In the tail (<see cref="InTail"/>: we lack at most
/// <see cref="TailPieces"/> pieces) that grace is <see cref="TailGrace"/>: the last piece of a
/// site must not wait seconds on one owner whose remote peers are slow to send it, and whichever
/// member gets it first hands it on (the others' remote requests are cancelled then).
/// Peers of our site that shared a related torrent with us (<see cref="Expect"/>) count as
/// members with nothing until they join or the stall grace first passes: the first of an office
/// to see a new version does not fetch the others' shares from afar only to have them fetch the
/// same pieces again when they start a moment later.
/// Under the torrent's lock.
/// </summary>
internal sealed class SiteShare(ulong ownKey, TimeProvider time)
{
    public static readonly TimeSpan StallGrace = TimeSpan.FromSeconds(4);
    /// <summary>The grace in the tail, when we lack at most <see cref="TailPieces"/> pieces.</summary>
    public static readonly TimeSpan TailGrace = TimeSpan.FromSeconds(1);
    public const int TailPieces = 2;
    private readonly List<SwarmPeer> _locals = [];
    private static readonly Bitfield None = new(0);
    private readonly List<(ulong Key, Bitfield Has)> _members = [];
    private readonly List<(ulong Key, Bitfield Has)> _withExpected = [];
    private readonly List<ulong> _expected = [];
    private readonly HashSet<ulong> _seen = [];
    /// <summary>At most this many keys of peers of our site are remembered (<see cref="Seen"/>).</summary>
    public const int MaxSeen = 1024;
    private long _lastProgress = time.GetTimestamp();
    private bool _progressed;

    /// <summary>A key for a peer id: FNV-1a, the same for everyone who sees that id.</summary>
    public static ulong KeyOf(ReadOnlySpan<byte> peerId)
    {
        ulong hash = 14695981039346656037;
        foreach (byte b in peerId)
            hash = (hash ^ b) * 1099511628211;
        return hash;
    }

    /// <summary>A wire peer joined the swarm: a local one becomes a member.</summary>
    public void Joined(SwarmPeer peer)
    {
        if (!peer.IsLocal)
            return;
        _locals.Add(peer);
        if (_seen.Count < MaxSeen)
            _seen.Add(peer.ShareKey);
    }

    /// <summary>The keys of the peers of our site met in this torrent (connected now or before; bounded by <see cref="MaxSeen"/>).</summary>
    public IReadOnlyCollection<ulong> Seen => _seen;

    /// <summary>A wire peer left the swarm.</summary>
    public void Left(SwarmPeer peer)
    {
        if (peer.IsLocal)
            _locals.Remove(peer);
    }

    /// <summary>Whether we lack at most <see cref="TailPieces"/> wanted pieces (set each time a piece passes).</summary>
    public bool InTail { get; set; }

    /// <summary>
    /// The pieces are known and wanted from now: the stall grace starts here. Before, the time went
    /// to fetching the metadata (a magnet link) and checking the data, and a grace spent there
    /// would let every member of the site fetch everything from afar at once.
    /// </summary>
    public void Begin()
    {
        _lastProgress = time.GetTimestamp();
        _progressed = false;
    }

    /// <summary>
    /// Peers of our site (by their keys) expected to fetch this torrent too: those connected to us in
    /// a related torrent (an older version of the same channel, a BEP 38 similar torrent). Until one
    /// joins it counts as a member with nothing; all are forgotten once the stall grace passes, so
    /// one that never comes costs that grace once.
    /// </summary>
    public void Expect(IEnumerable<ulong> keys)
    {
        _expected.Clear();
        _expected.AddRange(keys.Where(key => key != ownKey).Distinct());
    }

    /// <summary>How many expected peers are still awaited (not forgotten; some may have joined).</summary>
    public int Expected => _expected.Count;

    /// <summary>A block reached us, or a local peer told of a new piece.</summary>
    public void NoteProgress()
    {
        _lastProgress = time.GetTimestamp();
        _progressed = true;
    }

    /// <summary>
    /// Prepares to ask <paramref name="peer"/>: null when anything may be fetched from it (it is
    /// local, or we have no local peer to share with, or our site is stalled), else the filter of
    /// the pieces that are ours to fetch from afar.
    /// </summary>
    public Predicate<int>? FilterFor(SwarmPeer peer, bool dialingLocal)
    {
        if (peer.IsLocal)
            return null;
        _members.Clear();
        foreach (var local in _locals)
        {
            if (!local.IsClosed)
                _members.Add((local.ShareKey, local.Has));
        }
        return Filter(_members, dialingLocal);
    }

    /// <summary>
    /// The filter for these local <paramref name="members"/> (their keys and pieces); null when
    /// there is no one to share with or we are stalled. At the start (before any progress), with
    /// no member yet but peers of our site being dialled (<paramref name="dialingLocal"/>, as when
    /// a whole office starts at once), nothing comes from afar until they join or the grace passes.
    /// </summary>
    public Predicate<int>? Filter(IReadOnlyList<(ulong Key, Bitfield Has)> members, bool dialingLocal = false)
    {
        if (time.GetElapsedTime(_lastProgress) > (InTail ? TailGrace : StallGrace))
        {
            _expected.Clear();
            return null;
        }
        members = WithExpected(members);
        if (members.Count == 0)
            return dialingLocal && !_progressed ? Nothing : null;
        return piece =>
        {
            ulong best = Score(ownKey, piece);
            foreach (var (key, has) in members)
            {
                // A member whose pieces are not known yet (a peer met before the metadata, its bitfield
                // still of the metadata phase's size until its own turn comes) has none of them.
                if (piece < has.Count && has[piece])
                    return false; // it comes over the LAN
                if (Score(key, piece) > best)
                    return false;
            }
            return true;
        };
    }

    private IReadOnlyList<(ulong Key, Bitfield Has)> WithExpected(IReadOnlyList<(ulong Key, Bitfield Has)> members)
    {
        if (_expected.Count == 0)
            return members;
        _withExpected.Clear();
        _withExpected.AddRange(members);
        foreach (ulong key in _expected)
        {
            if (!members.Any(member => member.Key == key))
                _withExpected.Add((key, None));
        }
        return _withExpected;
    }

    private static bool Nothing(int piece) => false;

    private static ulong Score(ulong key, int piece)
    {
        // splitmix64 of the key and the piece
        ulong z = key + (ulong)piece * 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}

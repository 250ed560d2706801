using Shoal.Peers;
using Shoal.Swarm;
using Shoal.Wire;

namespace Shoal;

/// <summary>
/// Our side of the exchange with each peer, under the torrent's lock: whether we are interested,
/// which blocks we ask for (through the picker, as deep as the peer's rate needs), what arrives,
/// endgame cancels, and snubbing a peer that leaves requests unanswered. Part of the content:
/// it exists only once the metadata is known.
/// </summary>
internal sealed class RequestScheduler(TorrentSwarm swarm, TorrentContent content)
{
    /// <summary>A request unanswered this long snubs its peer: its requests go to others.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(20);
    private readonly List<BlockRequest> _pickBuffer = [];
    private readonly List<SwarmPeer> _othersBuffer = [];
    private readonly PiecePicker<SwarmPeer> _picker = content.Picker;

    public void FillRequests(SwarmPeer peer)
    {
        if (!peer.AmInterested || peer.IsClosed)
            return;
        if (peer.PeerChoking && peer.AllowedFastForUs.Count == 0)
            return;
        int want = peer.PipelineDepth(PipelineFloor(content.Torrent.TotalSize)) - peer.Outstanding.Count;
        if (want <= 0)
            return;
        _pickBuffer.Clear();
        _picker.Pick(peer, peer.Has, want, _pickBuffer, peer.PeerChoking ? peer.AllowedFastForUs : null,
            peer.Suggested.Count > 0 ? peer.Suggested : null, peer.Parole, OursFrom(peer));
        long now = swarm.Client.Time.GetTimestamp();
        foreach (var request in _pickBuffer)
        {
            peer.Outstanding[request] = now;
            peer.Link.Request(request);
        }
    }

    /// <summary>
    /// The fewest requests kept outstanding at a peer: 32 blocks (512 KiB), so a fast transfer
    /// ramps up at once, but no more than a 64th of the torrent (at least 4 blocks): in a small
    /// torrent a slow peer asked for 32 blocks would hold an eighth of a 4 MiB file that nobody
    /// else may then ask for, and the peers would have little to trade.
    /// </summary>
    public static int PipelineFloor(long torrentSize) => (int)Math.Clamp(torrentSize / BlockRequest.BlockSize / 64, 4, 32);

    /// <summary>Counts the pieces the peer has that we want and lack (after a bitfield or a priority change).</summary>
    public void Recount(SwarmPeer peer)
    {
        int wanted = 0;
        foreach (int piece in peer.Has.SetIndices())
        {
            if (_picker.IsInteresting(piece))
                wanted++;
        }
        peer.WantedPieces = wanted;
    }

    public void UpdateInterest(SwarmPeer peer)
    {
        bool interesting = WantsFrom(peer);
        if (interesting != peer.AmInterested)
            SetInterested(peer, interesting);
        if (interesting)
            FillRequests(peer);
    }

    /// <summary>
    /// Whether the peer has a piece we would ask it for: one we want and lack, and, from afar,
    /// one ours to fetch (<see cref="SiteShare"/>): a remote peer that has only pieces for our
    /// site's other peers is not kept waiting with an upload slot for us.
    /// </summary>
    private bool WantsFrom(SwarmPeer peer)
    {
        if (peer.WantedPieces == 0)
            return false;
        if (OursFrom(peer) is not { } ours)
            return true;
        foreach (int piece in peer.Has.SetIndices())
        {
            if (_picker.IsInteresting(piece) && ours(piece))
                return true;
        }
        return false;
    }

    /// <summary>Which pieces we may fetch from <paramref name="peer"/> as our site's share (null: any).</summary>
    private Predicate<int>? OursFrom(SwarmPeer peer) => swarm.SiteShare.FilterFor(peer, swarm.Admission.ConnectingLocal > 0);

    private static void SetInterested(SwarmPeer peer, bool interested)
    {
        peer.AmInterested = interested;
        peer.Link.Interested(interested);
    }

    public void OnHave(SwarmPeer peer, int piece)
    {
        if (peer.Has[piece])
            return;
        peer.Has[piece] = true;
        _picker.AddAvailability(piece);
        if (peer.IsLocal)
            swarm.SiteShare.NoteProgress(); // our site is getting pieces
        if (!_picker.IsInteresting(piece))
            return; // nothing new to ask it for (haves of pieces we have are most of them)
        peer.WantedPieces++;
        if (peer.IsLocal && _picker.Partial(piece) is { } partial)
            TakeOverTheLan(partial);
        if (!peer.AmInterested && (OursFrom(peer) is not { } ours || ours(piece)))
            SetInterested(peer, true);
        FillRequests(peer);
    }

    /// <summary>
    /// Takes a bitfield, have-all or have-none. BEP 3 puts it first, but clients differ (aria2
    /// may send have-none and then a bitfield), so a later one adds to what the peer has.
    /// </summary>
    public void MergeHas(SwarmPeer peer, Bitfield field)
    {
        if (peer.Has.None)
        {
            peer.Has = field;
            _picker.AddAvailability(field);
        }
        else
        {
            foreach (int piece in field.SetIndices())
            {
                if (!peer.Has[piece])
                {
                    peer.Has[piece] = true;
                    _picker.AddAvailability(piece);
                }
            }
        }
        Recount(peer);
        if (peer.IsLocal)
        {
            foreach (var partial in _picker.Partials.ToArray())
            {
                if (peer.Has[partial.Index])
                    TakeOverTheLan(partial);
            }
        }
        if (peer.Has.All && peer.ListenEndPoint is { } listen)
            swarm.Session.Peers.AddTraits(listen, PeerTraits.Seed);
        UpdateInterest(peer);
    }

    /// <summary>
    /// A peer of our site has <paramref name="partial"/>, which we are fetching from afar: the
    /// blocks still asked of remote peers (and web seeds) are cancelled and fetched on the LAN,
    /// so that the piece does not cross our WAN link a second time. Such a piece was started
    /// before that peer got it or joined us (as while an office's hosts are still connecting to
    /// each other), and a remote peer serving many may take seconds to send all of it.
    /// </summary>
    private void TakeOverTheLan(PartialPiece<SwarmPeer> partial)
    {
        if (partial.Exclusive is not null || partial.Complete)
            return; // a piece for one peer on parole stays with it
        _othersBuffer.Clear();
        for (int b = 0; b < partial.BlockCount; b++)
        {
            if (partial.States[b] != PartialPiece<SwarmPeer>.BlockState.Requested || partial.Requesters[b] is not { } requesters)
                continue;
            var request = partial.Block(b);
            foreach (var remote in requesters.Where(r => !r.IsLocal).ToArray())
            {
                if (remote.Outstanding.Remove(request))
                    remote.Link.Cancel(request);
                _picker.Release(remote, request);
                if (!_othersBuffer.Contains(remote))
                    _othersBuffer.Add(remote);
            }
        }
        foreach (var remote in _othersBuffer.ToArray())
            FillRequests(remote); // other pieces for the remote peers' freed pipelines
    }

    /// <summary>
    /// A block arrived: count it, cancel its duplicates (endgame), ask for more. A piece made whole
    /// goes to its piece job (hash and write) once the lock is released.
    /// </summary>
    public void OnBlock(SwarmPeer peer, int piece, int begin, ReadOnlySpan<byte> data)
    {
        content.CheckPiece(piece, "piece");
        if (data.Length > PeerWire.MaxBlockLength || begin < 0 || (long)begin + data.Length > content.Torrent.PieceSize(piece))
            throw new PeerProtocolException($"block of {data.Length} bytes at {begin} does not fit piece {piece}");
        var request = new BlockRequest(piece, begin, data.Length);
        peer.Outstanding.Remove(request);
        if (_picker.Have[piece])
            return; // late endgame duplicate
        _othersBuffer.Clear();
        var result = _picker.OnBlock(peer, piece, begin, data, _othersBuffer, out var completed);
        if (result is BlockResult.Accepted or BlockResult.PieceComplete)
        {
            peer.Snubbed = false;
            peer.LastBlockAt = swarm.Client.Time.GetTimestamp();
            swarm.SiteShare.NoteProgress();
            peer.Down.Add(data.Length);
            swarm.Session.CountDownloaded(data.Length, peer.IsLocal);
            foreach (var other in _othersBuffer)
            {
                if (other.Outstanding.Remove(request))
                    other.Link.Cancel(request);
            }
        }
        FillRequests(peer);
        if (completed is not null)
            swarm.AfterRelease(() => swarm.Pieces.Start(content, completed));
    }

    /// <summary>
    /// A piece passed (O(peers)): we lose interest in the peers that had nothing else, and each
    /// peer that lacks the piece hears so with its next write (<see cref="DeferredSends"/>), and
    /// each peer that sent us some of it at once (a superseeding seed waits for that have before
    /// it offers the next piece). A have tells any
    /// other peer that has the piece nothing it can use, and in a big swarm those haves were most
    /// of the messages (at 100 peers, a third of the CPU), so they wait until we finish
    /// (<see cref="TellWithheld"/>), so that a seed sees we are done too.
    /// </summary>
    public void OnVerified(int piece, SwarmPeer?[] senders)
    {
        bool counted = _picker.IsWanted(piece);
        swarm.SiteShare.InTail = _picker.MissingWanted <= SiteShare.TailPieces;
        foreach (var peer in swarm.Peers)
        {
            bool sender = Array.IndexOf(senders, peer) >= 0;
            if (!peer.Has[piece] || sender)
                peer.Link.Have(piece, now: sender);
            else
                peer.HavesWithheld = true;
            if (counted && peer.Has[piece] && --peer.WantedPieces == 0 && peer.AmInterested)
                SetInterested(peer, false);
        }
    }

    /// <summary>
    /// We finished (every wanted piece verified): each peer we left out haves for hears of every
    /// piece of ours it has (a repeat is harmless), unless that is more than its send queue should hold.
    /// </summary>
    public void TellWithheld()
    {
        foreach (var peer in swarm.Peers)
        {
            if (!peer.HavesWithheld)
                continue;
            peer.HavesWithheld = false;
            var both = peer.Has.SetIndices().Where(p => _picker.Have[p]).ToList();
            if (!PeerSendQueue.HavesFit(both.Count))
                continue; // a huge torrent: its view of us stays partial, which costs it nothing
            foreach (int piece in both)
                peer.Link.Have(piece, now: false);
        }
    }

    /// <summary>Snubs a peer whose oldest request (or last block) is older than <see cref="RequestTimeout"/>; true when it did.</summary>
    public bool CheckSnubbed(SwarmPeer peer, long now)
    {
        if (peer.Outstanding.Count == 0)
            return false;
        long since = Math.Max(peer.LastBlockAt, peer.Outstanding.Values.Min());
        if (swarm.Client.Time.GetElapsedTime(since, now) <= RequestTimeout)
            return false;
        peer.Snubbed = true;
        swarm.ReleaseRequests(peer);
        return true;
    }
}

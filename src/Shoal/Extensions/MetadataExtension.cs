using Shoal.Bencode;
using Shoal.Peers;
using Shoal.Wire;

namespace Shoal.Extensions;

/// <summary>
/// BEP 9 <c>ut_metadata</c> for one torrent. It serves the info dictionary of a torrent whose
/// metadata is known and not private, in 16 KiB blocks. A torrent still awaiting its metadata
/// fetches it: the size comes from peers' handshakes (over <see cref="MaxSize"/> is refused before
/// anything is allocated), blocks are asked of several peers at once with at most
/// <see cref="MaxInFlight"/> each, rejects and time-outs pass a block to others, and the whole is
/// checked against the info-hashes. When a mix of peers' blocks fails, the next attempts take
/// the whole from one peer at a time, so a liar is found and dropped and never poisons the torrent.
/// Called under the torrent's lock.
/// </summary>
internal sealed class MetadataExtension : IPeerExtension
{
    public const string ExtensionName = "ut_metadata";
    /// <summary>The largest info dictionary fetched (libtorrent stops at 30 MiB).</summary>
    public const long MaxSize = 32L * 1024 * 1024;
    public const int MaxInFlight = 2;
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(15);
    /// <summary>How long a peer that rejected or timed out is left alone before it is asked again.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(30);

    private readonly TorrentSession _session;
    private readonly TimeProvider _time;
    private readonly Dictionary<SwarmPeer, FetchPeer> _peers = [];
    private readonly HashSet<string> _liars = [];
    /// <summary>Blocks asked for and not yet answered, each of one peer.</summary>
    private readonly Dictionary<int, SwarmPeer> _inFlight = [];
    private MetadataAssembly<SwarmPeer>? _assembly;
    private bool _oneSourceAtATime;
    private SwarmPeer? _source;
    private bool _done;
    private int _peersAsked;

    private MetadataExtension(TorrentSession session)
    {
        _session = session;
        _time = session.Client.Time;
    }

    /// <summary>The factory registered by default: none for a torrent known to be private.</summary>
    public static IPeerExtension? Create(TorrentSession torrent) =>
        torrent.Torrent is { IsPrivate: true } ? null : new MetadataExtension(torrent);

    public string Name => ExtensionName;

    private bool Fetching => !_done && _session.Torrent is null;

    public void AddHandshakeKeys(BDictionary handshake, SwarmPeer peer)
    {
        if (_session.Torrent is { IsPrivate: false } torrent)
            handshake.Set("metadata_size", torrent.InfoBytes.Length);
    }

    public void OnHandshake(SwarmPeer peer, ExtensionHandshake remote)
    {
        if (!remote.Extensions.ContainsKey(ExtensionName))
        {
            _peers.Remove(peer);
            return;
        }
        var state = _peers.GetValueOrDefault(peer) ?? new FetchPeer();
        state.Size = remote.MetadataSize ?? 0;
        _peers[peer] = state;
        Pump();
    }

    public void OnMessage(SwarmPeer peer, ReadOnlySpan<byte> payload)
    {
        MetadataMessage message;
        try
        {
            message = MetadataMessage.Parse(payload.ToArray());
        }
        catch (FormatException e)
        {
            throw new PeerProtocolException(e.Message);
        }
        switch (message.Type)
        {
            case MetadataMessageType.Request:
                Serve(peer, message.Piece);
                break;
            case MetadataMessageType.Reject:
                OnReject(peer, message.Piece);
                break;
            default:
                OnData(peer, message);
                break;
        }
    }

    public void OnDisconnected(SwarmPeer peer)
    {
        if (_peers.Remove(peer, out var state))
            Forget(state);
        if (_source == peer)
            _source = null;
        Pump();
    }

    public void OnTick()
    {
        if (!Fetching)
            return;
        long now = _time.GetTimestamp();
        foreach (var state in _peers.Values)
        {
            if (state.InFlight.Values.Any(sent => _time.GetElapsedTime(sent, now) > RequestTimeout))
                GiveUp(state, now); // too slow; others take its blocks
            else if (state.GaveUpAt is long at && _time.GetElapsedTime(at, now) > RetryAfter)
                state.GaveUpAt = null;
        }
        Pump();
    }

    private void Serve(SwarmPeer peer, int piece)
    {
        var reply = MetadataMessage.Reject(piece);
        if (_session.Torrent is { IsPrivate: false } torrent)
        {
            var info = torrent.InfoBytes;
            long offset = (long)piece * MetadataMessage.BlockSize;
            if (offset < info.Length)
            {
                int length = (int)Math.Min(MetadataMessage.BlockSize, info.Length - offset);
                reply = new MetadataMessage(MetadataMessageType.Data, piece, info.Length, info.Slice((int)offset, length));
            }
        }
        ExtensionRegistry.Send(peer, ExtensionName, reply.Encode());
    }

    private void OnReject(SwarmPeer peer, int piece)
    {
        if (!_peers.TryGetValue(peer, out var state))
            return;
        GiveUp(state, _time.GetTimestamp()); // it does not have the metadata (yet)
        Pump();
    }

    private void OnData(SwarmPeer peer, MetadataMessage message)
    {
        if (!Fetching || _assembly is not { } assembly || !_peers.TryGetValue(peer, out var state) || !state.InFlight.Remove(message.Piece))
            return; // unasked for, or late after a time-out: ignored
        _inFlight.Remove(message.Piece);
        if (message.TotalSize != assembly.Size)
            throw new PeerProtocolException($"metadata total_size {message.TotalSize}, not the {assembly.Size} being fetched");
        try
        {
            assembly.Add(message.Piece, message.Data.Span, peer);
            _session.MetadataProgress = assembly.Progress;
        }
        catch (FormatException e)
        {
            throw new PeerProtocolException(e.Message);
        }
        if (assembly.IsComplete)
            Finish(assembly);
        else
            Pump();
    }

    private void Finish(MetadataAssembly<SwarmPeer> assembly)
    {
        var info = assembly.Assemble();
        _assembly = null;
        foreach (var state in _peers.Values)
            Forget(state);
        if (MetadataAssembly<SwarmPeer>.Matches(info, _session.Identity.InfoHashes))
        {
            _done = true;
            _session.OnInfoDictionary(info);
            return;
        }
        var senders = assembly.Senders;
        if (senders.Count == 1)
        {
            var liar = senders.First();
            if (liar.Wire is { } wire)
                _liars.Add(Convert.ToHexStringLower(wire.RemotePeerId));
            if (_peers.Remove(liar, out var state))
                Forget(state);
            _source = null;
            liar.Link.Close("sent metadata that does not hash to the info-hash");
        }
        else
        {
            // Someone among several lied: from now on the whole comes from one peer at a time.
            _oneSourceAtATime = true;
        }
        foreach (var state in _peers.Values)
            state.GaveUpAt = null;
        Pump();
    }

    /// <summary>Sizes the fetch if needed and keeps each usable peer's requests topped up.</summary>
    private void Pump()
    {
        if (!Fetching)
            return;
        if (_assembly is not null && _inFlight.Count == 0 && !_peers.Any(p => Usable(p.Key, p.Value, anySize: false)))
            _assembly = null; // nobody left for this size: start again with the size others announce
        if (_assembly is null)
        {
            var sized = _peers.Where(p => Usable(p.Key, p.Value, anySize: true)).Select(p => p.Value.Size).FirstOrDefault();
            if (sized == 0)
                return;
            _assembly = new MetadataAssembly<SwarmPeer>(sized, MaxSize);
            _session.MetadataProgress = 0; // what an abandoned assembly held is gone
        }
        var assembly = _assembly;
        if (_oneSourceAtATime)
        {
            if (_source is null || !_peers.TryGetValue(_source, out var sourceState) || !Usable(_source, sourceState, anySize: false))
            {
                _source = _peers.FirstOrDefault(p => Usable(p.Key, p.Value, anySize: false)).Key;
                _assembly = assembly = new MetadataAssembly<SwarmPeer>(assembly.Size, MaxSize); // nothing from the last source is kept
                _session.MetadataProgress = 0;
            }
            if (_source is not null)
                Request(_source, _peers[_source], assembly);
            return;
        }
        foreach (var (peer, state) in _peers)
        {
            if (Usable(peer, state, anySize: false))
                Request(peer, state, assembly);
        }
    }

    private bool Usable(SwarmPeer peer, FetchPeer state, bool anySize) =>
        state.GaveUpAt is null && !peer.IsClosed && state.Size is > 0 and <= MaxSize
        && (anySize || state.Size == _assembly?.Size)
        && !(peer.Wire is { } wire && _liars.Contains(Convert.ToHexStringLower(wire.RemotePeerId)));

    private void Request(SwarmPeer peer, FetchPeer state, MetadataAssembly<SwarmPeer> assembly)
    {
        for (int block = 0; block < assembly.BlockCount && state.InFlight.Count < MaxInFlight; block++)
        {
            if (assembly.Has(block) || _inFlight.ContainsKey(block))
                continue;
            if (!ExtensionRegistry.Send(peer, ExtensionName, MetadataMessage.Request(block).Encode()))
                return;
            state.InFlight[block] = _time.GetTimestamp();
            _inFlight[block] = peer;
            if (!state.Asked)
            {
                state.Asked = true;
                _session.MetadataPeersAsked = ++_peersAsked;
            }
        }
    }

    private void GiveUp(FetchPeer state, long now)
    {
        Forget(state);
        state.GaveUpAt = now;
    }

    /// <summary>Frees the blocks asked of a peer for others to ask.</summary>
    private void Forget(FetchPeer state)
    {
        foreach (int block in state.InFlight.Keys)
            _inFlight.Remove(block);
        state.InFlight.Clear();
    }

    /// <summary>What the fetch knows about one peer that has ut_metadata.</summary>
    private sealed class FetchPeer
    {
        /// <summary>The metadata_size from its handshake (0: none).</summary>
        public long Size { get; set; }
        /// <summary>Blocks asked of it, with when.</summary>
        public Dictionary<int, long> InFlight { get; } = [];
        /// <summary>When it rejected or timed out: not asked again for <see cref="RetryAfter"/>.</summary>
        public long? GaveUpAt { get; set; }
        public bool Asked { get; set; }
    }
}

using System.Net;
using System.Threading.Channels;
using Shoal.Discovery;
using Shoal.Bencode;
using Shoal.Net;
using Shoal.Peers;
using Shoal.Wire;

namespace Shoal.Extensions;

/// <summary>
/// BEP 11 peer exchange (<c>ut_pex</c>) for one torrent. To each peer that has it, at most once a
/// minute: the peers we are connected to that it can reach (we dialled them, or they told us their
/// port), and those we were connected to that left; the first message lists up to
/// <see cref="MaxFirst"/>, later ones at most <see cref="MaxPerMessage"/> added and as many dropped.
/// What peers send is checked and queued (bounded) under the lock; as a peer source of the run
/// (<see cref="IPeerSource"/>) it hands the addresses to the torrent through the same seam as
/// trackers and the DHT, after the lock. A peer that sends more than
/// <see cref="MaxReceivedPerMinute"/> messages a minute is dropped. A private torrent (BEP 27) does
/// none of it, also when it turns out private only once a magnet's metadata arrives.
/// The extension's calls come under the torrent's lock; <see cref="RunAsync"/> runs outside it.
/// </summary>
internal sealed class PexExtension : IPeerExtension, IPeerSource
{
    public const string ExtensionName = "ut_pex";
    public const int MaxFirst = 200;
    public const int MaxPerMessage = 50;
    public const int MaxReceivedPerMinute = 6;
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);
    /// <summary>The first message waits this long after the handshake, so it lists more than the first few peers.</summary>
    public static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(5);

    private readonly TorrentSession _session;
    private readonly TimeProvider _time;
    private readonly Dictionary<SwarmPeer, PexPeer> _peers = [];
    /// <summary>Addresses received and not yet handed over; full, the newest are dropped (peers send at most a few hundred a minute).</summary>
    private readonly Channel<(IPEndPoint Address, PeerTraits Traits)> _found =
        Channel.CreateBounded<(IPEndPoint, PeerTraits)>(new BoundedChannelOptions(4096) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private PexExtension(TorrentSession session)
    {
        _session = session;
        _time = session.Client.Time;
    }

    /// <summary>The factory registered by default: none for a torrent known to be private, or with PEX turned off.</summary>
    public static IPeerExtension? Create(TorrentSession torrent) =>
        torrent.Torrent is { IsPrivate: true } || !torrent.Client.Options.PeerExchange ? null : new PexExtension(torrent);

    public string Name => ExtensionName;

    /// <summary>Private (known from the metadata): no PEX either way.</summary>
    private bool Private => _session.Torrent?.IsPrivate ?? _session.Identity.IsPrivate;

    public void AddHandshakeKeys(BDictionary handshake, SwarmPeer peer)
    {
    }

    public void OnHandshake(SwarmPeer peer, ExtensionHandshake remote)
    {
        if (!remote.Extensions.ContainsKey(ExtensionName))
        {
            _peers.Remove(peer);
            return;
        }
        if (!_peers.ContainsKey(peer))
            _peers[peer] = new PexPeer(_time.GetTimestamp());
    }

    public void OnMessage(SwarmPeer peer, ReadOnlySpan<byte> payload)
    {
        if (!_peers.TryGetValue(peer, out var state))
            return; // it never said it has ut_pex
        long now = _time.GetTimestamp();
        state.Received.Enqueue(now);
        while (state.Received.Count > 0 && _time.GetElapsedTime(state.Received.Peek(), now) > Interval)
            state.Received.Dequeue();
        if (state.Received.Count > MaxReceivedPerMinute)
            throw new PeerProtocolException($"more than {MaxReceivedPerMinute} PEX messages in a minute");
        if (Private)
            return; // never accepted for a private torrent
        PexMessage message;
        try
        {
            message = PexMessage.Parse(payload);
        }
        catch (FormatException e)
        {
            throw new PeerProtocolException(e.Message);
        }
        var client = _session.Client;
        foreach (var (endPoint, flags) in message.Added)
        {
            var address = EndPoints.Normalize(endPoint);
            if (!EndPoints.IsPeerAddress(address) || client.IsOwnEndPoint(address) || address.Equals(peer.ListenEndPoint))
                continue;
            var traits = (flags & PexMessage.Seed) != 0 ? PeerTraits.Seed : PeerTraits.None;
            if ((flags & PexMessage.SupportsUtp) != 0)
                traits |= PeerTraits.Utp;
            if ((flags & PexMessage.PrefersEncryption) != 0)
                traits |= PeerTraits.Encryption;
            _found.Writer.TryWrite((address, traits));
        }
    }

    /// <summary>As a peer source: hands what peers told us to the torrent, a batch at a time, outside the lock.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        IEngineSourceHost host = _session;
        var reader = _found.Reader;
        var batch = new List<(IPEndPoint Address, PeerTraits Traits)>();
        while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < MaxFirst && reader.TryRead(out var found))
                batch.Add(found);
            if (Private)
                continue; // the metadata said private after these arrived: dropped
            foreach (var group in batch.GroupBy(f => f.Traits))
                host.AddPeers(group.Select(f => f.Address), PeerSources.Pex, group.Key);
        }
    }

    void IPeerSource.Nudge()
    {
    }

    public void OnDisconnected(SwarmPeer peer) => _peers.Remove(peer);

    public void OnTick()
    {
        if (_peers.Count == 0 || Private)
            return;
        long now = _time.GetTimestamp();
        Dictionary<IPEndPoint, byte>? connected = null;
        foreach (var (peer, state) in _peers)
        {
            if (_time.GetElapsedTime(state.Since, now) < (state.First ? FirstDelay : Interval))
                continue;
            connected ??= Connected();
            var added = connected.Where(c => !state.Told.Contains(c.Key) && !c.Key.Equals(peer.ListenEndPoint))
                .Take(state.First ? MaxFirst : MaxPerMessage).ToList();
            var dropped = state.Told.Where(t => !connected.ContainsKey(t)).Take(MaxPerMessage).ToList();
            state.Since = now;
            if (added.Count == 0 && dropped.Count == 0 && !state.First)
                continue;
            state.First = false;
            foreach (var (endPoint, _) in added)
                state.Told.Add(endPoint);
            foreach (var endPoint in dropped)
                state.Told.Remove(endPoint);
            var message = new PexMessage { Added = [.. added.Select(a => (a.Key, a.Value))], Dropped = dropped };
            ExtensionRegistry.Send(peer, ExtensionName, message.Encode());
        }
    }

    /// <summary>The peers we are connected to that others can reach, with their BEP 11 flags.</summary>
    private Dictionary<IPEndPoint, byte> Connected()
    {
        var result = new Dictionary<IPEndPoint, byte>();
        foreach (var peer in _session.ConnectedPeers())
        {
            if (peer.ListenEndPoint is not { } listen || peer.IsClosed)
                continue;
            byte flags = PexMessage.Reachable;
            if (peer.Has.Count > 0 && peer.Has.All)
                flags |= PexMessage.Seed;
            var transport = peer.Wire?.Transport;
            if (transport?.SpokeMse == true) // it spoke the encrypted opening with us
                flags |= PexMessage.PrefersEncryption;
            if (transport?.IsUtp == true)
                flags |= PexMessage.SupportsUtp;
            result[listen] = flags;
        }
        return result;
    }

    private sealed class PexPeer(long since)
    {
        /// <summary>When we last sent it a message (or, before the first, when it said it has ut_pex).</summary>
        public long Since { get; set; } = since;
        public bool First { get; set; } = true;
        /// <summary>The addresses it heard from us as connected and not yet as dropped.</summary>
        public HashSet<IPEndPoint> Told { get; } = [];
        public Queue<long> Received { get; } = [];
    }
}

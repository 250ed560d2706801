using System.Net;
using Shoal.Net;
using Shoal.Peers;
using Shoal.Supervision;
using Shoal.Swarm;
using Shoal.Wire;

namespace Shoal;

/// <summary>
/// Who joins a torrent's swarm: dials addresses from the peer list, answers incoming handshakes,
/// refuses ourselves, banned peers, a second connection to one peer and connections over the
/// limits; greets a new peer (extension handshake, bitfield, allowed-fast) and cleans up when it
/// leaves.
/// </summary>
internal sealed class PeerAdmission(TorrentSwarm swarm)
{
    /// <summary>Dials and peers' loops: one that ends in an unexpected exception fails the torrent.</summary>
    private readonly TaskOwner _tasks = new(swarm.Fault, swarm.Token);
    private int _connecting, _connectingLocal;

    public int Connecting => Volatile.Read(ref _connecting);
    /// <summary>Dials in progress to peers of our own site.</summary>
    public int ConnectingLocal => Volatile.Read(ref _connectingLocal);

    /// <summary>An incoming connection whose handshake named this torrent: answer it and attach.</summary>
    public async Task AcceptAsync(PeerStream stream, Handshake remote, CancellationToken cancellationToken)
    {
        var reply = new Handshake(Handshake.OurReserved(), remote.InfoHash, swarm.Client.PeerIdBytes);
        await PeerHandshaker.SendAsync(stream, reply, cancellationToken).ConfigureAwait(false);
        Attach(stream, remote, outgoing: false, dialled: null);
    }

    /// <summary>Dials one address (already marked in use in the peer list).</summary>
    public void Dial(IPEndPoint endPoint)
    {
        Interlocked.Increment(ref _connecting);
        bool local = swarm.Client.Sites.IsLocal(endPoint.Address);
        if (local)
            Interlocked.Increment(ref _connectingLocal);
        _tasks.Start($"dialling {endPoint}", () => ConnectAsync(endPoint, local, swarm.Token));
    }

    private async Task ConnectAsync(IPEndPoint endPoint, bool local, CancellationToken token)
    {
        PeerStream? stream = null;
        bool attached = false, answered = false;
        try
        {
            using var deadline = new Deadline(swarm.Client.Options.ConnectTimeout, swarm.Client.Time, token);
            stream = await swarm.Client.OpenAsync(endPoint, swarm.WireHash.AsMemory(0, 20), deadline.Token).ConfigureAwait(false);
            await PeerHandshaker.SendAsync(stream, new Handshake(Handshake.OurReserved(), swarm.WireHash, swarm.Client.PeerIdBytes), deadline.Token).ConfigureAwait(false);
            var remote = await PeerHandshaker.ReceiveAsync(stream, deadline.Token).ConfigureAwait(false);
            if (!remote.InfoHash.AsSpan().SequenceEqual(swarm.WireHash))
                throw new PeerProtocolException("the peer answered with another info-hash");
            answered = true; // from here the peer list hears of the outcome from Attach
            attached = Attach(stream, remote, outgoing: true, dialled: endPoint);
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or OperationCanceledException or PeerProtocolException or ObjectDisposedException)
        {
            // What a dial may meet; anything else escapes to the owner (the torrent fails), after the finally below.
        }
        finally
        {
            if (!answered)
            {
                lock (swarm.Gate)
                    swarm.Session.Peers.Failed(endPoint); // the address is free to be tried again (in this run or the next)
            }
            Interlocked.Decrement(ref _connecting);
            if (local)
                Interlocked.Decrement(ref _connectingLocal);
            swarm.Client.EndHalfOpen();
            if (!attached && stream is not null)
                await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    private bool Attach(PeerStream stream, Handshake remote, bool outgoing, IPEndPoint? dialled)
    {
        SwarmPeer peer;
        lock (swarm.Gate)
        {
            var list = swarm.Session.Peers;
            string? refuse = Refusal(remote, outgoing, dialled ?? stream.RemoteEndPoint);
            if (refuse is not null)
            {
                if (dialled is not null)
                    list.Release(dialled, stillConnected: refuse == "already connected to this peer");
                string refused = stream.RemoteEndPoint.ToString();
                swarm.Defer(log => EngineLog.PeerRefused(log, swarm.Session.Name, refused, refuse));
                stream.Close();
                return false;
            }
            var wire = new PeerConnection(stream, remote, outgoing, swarm.Client.Time,
                [swarm.Session.DownloadLimit, swarm.Client.DownloadLimit], [swarm.Session.UploadLimit, swarm.Client.UploadLimit], swarm.Client.DeferredSends)
            {
                MaxMessageLength = swarm.MaxMessageLength,
            };
            peer = new SwarmPeer(wire, wire, new Bitfield(swarm.Content?.Torrent.PieceCount ?? 0), swarm.Client.Time, outgoing)
            {
                Origin = dialled is null ? PeerOrigin.Incoming : (list.Find(dialled)?.Sources ?? PeerSources.Manual).Origin(),
                IsLocal = swarm.Client.Sites.IsLocal(stream.RemoteEndPoint.Address)
                    || list.Find(dialled ?? stream.RemoteEndPoint) is { } known && (known.Traits & PeerTraits.Local) != 0,
                ShareKey = SiteShare.KeyOf(remote.PeerId),
            };
            if (dialled is not null)
            {
                peer.ListenEndPoint = dialled;
                list.Connected(dialled);
            }
            swarm.Peers.Add(peer);
            swarm.CountPeers();
            swarm.SiteShare.Joined(peer);
            Greet(peer, wire);
            // RunPeerAsync yields before doing anything, so its clean-up (under this lock) comes after this.
            _tasks.Start($"peer {peer}", () => RunPeerAsync(peer, wire, swarm.Token));
            string name = peer.ToString();
            swarm.Defer(log => EngineLog.PeerConnected(log, swarm.Session.Name, outgoing ? "to" : "from", name, wire.Transport));
        }
        swarm.Flush();
        return true;
    }

    /// <summary>Why a new connection is refused, or null (under the lock).</summary>
    private string? Refusal(Handshake remote, bool outgoing, IPEndPoint endPoint)
    {
        if (swarm.Token.IsCancellationRequested)
            return "torrent not running";
        if (remote.PeerId.AsSpan().SequenceEqual(swarm.Client.PeerIdBytes))
        {
            swarm.Session.Peers.MarkSelf(endPoint);
            return "connected to ourselves";
        }
        if (swarm.BannedPeerIds.Contains(Convert.ToHexStringLower(remote.PeerId)) || swarm.Session.Peers.IsBanned(endPoint))
            return "banned";
        var existing = swarm.Peers.FirstOrDefault(p => !p.IsClosed && p.Wire?.RemotePeerId.AsSpan().SequenceEqual(remote.PeerId) == true);
        // Two connections to one peer (both dialled at once): both sides keep the one dialled by
        // the smaller peer id, so they agree on which survives.
        if (existing is not null && !KeepNew(existing, outgoing, remote.PeerId))
            return "already connected to this peer";
        if (existing is not null)
        {
            // The new connection takes the old one's place and its slot: at the limit, closing the
            // old one first and then asking for a slot would lose both.
            existing.SlotPassedOn = true;
            existing.Link.Close("replaced by the other connection to this peer");
            return null;
        }
        if (swarm.Peers.Count(p => !p.IsClosed) >= swarm.Session.Options.MaxConnections || !swarm.Client.TryAddConnection())
            return "connection limit";
        return null;
    }

    /// <summary>Whether a new connection to a peer we already have replaces the existing one.</summary>
    private bool KeepNew(SwarmPeer existing, bool newOutgoing, byte[] remoteId)
    {
        byte[] ours = swarm.Client.PeerIdBytes;
        byte[] InitiatorOf(bool outgoing) => outgoing ? ours : remoteId;
        int order = InitiatorOf(newOutgoing).AsSpan().SequenceCompareTo(InitiatorOf(existing.Outgoing));
        return order < 0; // same initiator: keep the existing one
    }

    private void Greet(SwarmPeer peer, PeerConnection wire)
    {
        if (wire.SupportsExtensions)
        {
            SendExtensionHandshake(peer, wire);
            peer.GreetedWithoutMetadata = swarm.Session.Torrent is null;
        }
        if (swarm.Content is not { } content)
        {
            // Nothing to offer before the metadata is known and checked; haves follow then (OnContent).
            if (wire.SupportsFast)
                wire.Send(MessageId.HaveNone);
            return;
        }
        if (swarm.SuperSeeding.TryGreet(content, peer))
            return; // nothing, then one piece at a time, and no allowed-fast pieces
        var have = content.Picker.Have;
        if (wire.SupportsFast && have.All)
            wire.Send(MessageId.HaveAll);
        else if (wire.SupportsFast && have.None)
            wire.Send(MessageId.HaveNone);
        else if (!have.None)
            wire.SendPayload(MessageId.Bitfield, have.Bytes);
        OfferAllowedFast(content, peer, wire);
    }

    private void OfferAllowedFast(TorrentContent content, SwarmPeer peer, PeerConnection wire)
    {
        var have = content.Picker.Have;
        if (!wire.SupportsFast || have.None)
            return;
        foreach (int piece in AllowedFast.Compute(peer.EndPoint.Address, swarm.WireHash, content.Torrent.PieceCount, AllowedFast.DefaultCount))
        {
            if (have[piece])
            {
                peer.AllowedFastForThem.Add(piece);
                wire.SendIndex(MessageId.AllowedFast, piece);
            }
        }
    }

    private void SendExtensionHandshake(SwarmPeer peer, PeerConnection wire)
    {
        var common = new ExtensionHandshake
        {
            Client = "Shoal 0.1",
            RequestQueue = 500,
            ListenPort = swarm.Client.ListenPort > 0 ? swarm.Client.ListenPort : null,
            YourIp = peer.EndPoint.Address,
        };
        wire.SendExtended(0, swarm.Extensions.Handshake(common, peer));
    }

    /// <summary>
    /// The metadata arrived while <paramref name="peer"/> was connected (under the lock): what it
    /// said it has becomes its bitfield (checked against the piece count now known), and it hears
    /// what we have, as haves after the have-none or nothing it got at first. A peer greeted
    /// before we had the metadata gets our extension handshake again, now with metadata_size
    /// (BEP 10 allows it), so it can fetch the metadata from us too.
    /// </summary>
    public void OnContent(SwarmPeer peer, PeerConnection wire, TorrentContent content)
    {
        var torrent = content.Torrent;
        var picker = content.Picker;
        if (peer.GreetedWithoutMetadata && wire.SupportsExtensions)
        {
            peer.GreetedWithoutMetadata = false;
            SendExtensionHandshake(peer, wire);
        }
        wire.MaxMessageLength = swarm.MaxMessageLength;
        var has = new Bitfield(torrent.PieceCount);
        var pending = peer.Pending;
        peer.Pending = null;
        try
        {
            if (pending?.All == true)
                has.SetAll();
            else if (pending?.Bitfield is { } bytes)
                has = Bitfield.Parse(bytes, torrent.PieceCount);
            foreach (int piece in pending?.Haves ?? [])
            {
                if ((uint)piece >= (uint)torrent.PieceCount)
                    throw new FormatException($"have for piece {piece} of {torrent.PieceCount}");
                has[piece] = true;
            }
        }
        catch (FormatException e)
        {
            peer.Link.Close($"before the metadata it said: {e.Message}");
            return;
        }
        content.Scheduler.MergeHas(peer, has);
        if (swarm.SuperSeeding.TryGreet(content, peer, saidNone: true))
            return;
        if (TooManyHaves(peer, picker.Have.SetCount))
            return;
        foreach (int piece in picker.Have.SetIndices())
            wire.SendIndex(MessageId.Have, piece);
        OfferAllowedFast(content, peer, wire);
    }

    /// <summary>
    /// Whether announcing <paramref name="count"/> pieces as haves would be more than a fair
    /// share of what may wait for a peer (a big torrent found on disk); if so the peer is let go,
    /// to be dialled again and get our bitfield in a fresh greeting.
    /// </summary>
    public bool TooManyHaves(SwarmPeer peer, int count)
    {
        if (PeerSendQueue.HavesFit(count))
            return false;
        peer.Link.Close("reconnecting for our bitfield");
        return true;
    }

    private async Task RunPeerAsync(SwarmPeer peer, PeerConnection wire, CancellationToken token)
    {
        await Task.Yield();
        await wire.RunAsync(new PeerMessages(swarm, peer, wire), token).ConfigureAwait(false);
        bool slotPassedOn;
        lock (swarm.Gate)
        {
            swarm.Leave(peer, wire.CloseReason);
            slotPassedOn = peer.SlotPassedOn;
        }
        if (!slotPassedOn)
            swarm.Client.RemoveConnection();
        swarm.Flush();
        await wire.DisposeAsync().ConfigureAwait(false);
        if (wire.InternalError is { } bug)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(bug); // cleaned up; now the owner fails the torrent
    }

    /// <summary>Closes every peer and waits for each to leave, then for the piece jobs.</summary>
    public async Task ShutDownAsync()
    {
        List<SwarmPeer> peers;
        lock (swarm.Gate)
        {
            peers = [.. swarm.Peers];
        }
        foreach (var peer in peers)
            peer.Link.Close("torrent stopped");
        await _tasks.DrainAsync().ConfigureAwait(false); // every dial has ended and every peer is gone from the lists
        await swarm.Pieces.ShutDownAsync().ConfigureAwait(false);
    }
}

using Shoal.Peers;
using Shoal.Swarm;
using Shoal.Wire;

namespace Shoal;

/// <summary>
/// One wire peer's messages, as its connection delivers them: each is checked against the
/// torrent (piece indices, block bounds, what we have) and turned into a decision under the
/// torrent's lock. Blocks go to the scheduler, extended messages to the extension registry.
/// </summary>
internal sealed class PeerMessages(TorrentSwarm swarm, SwarmPeer peer, PeerConnection wire) : IPeerHandler
{
    private readonly PeerConnection _wire = wire;

    public void OnMessage(in PeerMessage message)
    {
        if (message.IsKeepAlive)
            return;
        if (message.Id == MessageId.HashRequest)
        {
            OnHashRequest(message.Payload); // needs only the immutable torrent: no lock, no hashing under it
            return;
        }
        lock (swarm.Gate)
        {
            if (peer.IsClosed)
                return;
            if (message.Id == MessageId.Extended)
                OnExtended(message); // the same with or without the metadata
            else if (swarm.Content is { } content)
                Dispatch(content, message);
            else
                DispatchBeforeContent(message);
        }
        swarm.Flush(); // log lines, and the piece job of a block that completed its piece
    }

    private void Dispatch(TorrentContent content, in PeerMessage message)
    {
        var scheduler = content.Scheduler;
        var torrent = content.Torrent;
        switch (message.Id)
        {
            case MessageId.Choke:
                peer.PeerChoking = true;
                swarm.ReleaseRequests(peer);
                scheduler.FillRequests(peer); // allowed-fast pieces may still be requested
                break;
            case MessageId.Unchoke:
                peer.PeerChoking = false;
                scheduler.FillRequests(peer);
                break;
            case MessageId.Interested:
                peer.PeerInterested = true;
                swarm.Ticker.UnchokeIfSlotFree();
                break;
            case MessageId.NotInterested:
                peer.PeerInterested = false;
                swarm.SuperSeeding.OnNotInterested(peer);
                if (!peer.AmChoking)
                    swarm.Ticker.UnchokeIfSlotFree(); // its slot is free for someone who wants it
                break;
            case MessageId.Have:
                content.CheckPiece(message.Index, "have");
                scheduler.OnHave(peer, message.Index);
                swarm.SuperSeeding.OnHave(message.Index);
                break;
            case MessageId.Bitfield:
                Bitfield field;
                try
                {
                    field = Bitfield.Parse(message.Payload, torrent.PieceCount);
                }
                catch (FormatException e)
                {
                    throw new PeerProtocolException(e.Message);
                }
                scheduler.MergeHas(peer, field);
                swarm.SuperSeeding.OnBitfield(field);
                break;
            case MessageId.HaveAll or MessageId.HaveNone:
                if (!_wire.SupportsFast)
                    throw new PeerProtocolException($"{message.Id} without the fast extension");
                var all = new Bitfield(torrent.PieceCount);
                if (message.Id == MessageId.HaveAll)
                    all.SetAll();
                scheduler.MergeHas(peer, all);
                swarm.SuperSeeding.OnBitfield(all);
                break;
            case MessageId.Request:
                OnRequest(content, new BlockRequest(message.Index, message.Begin, message.Length));
                break;
            case MessageId.Cancel:
                _wire.CancelUpload(new BlockRequest(message.Index, message.Begin, message.Length));
                break;
            case MessageId.Piece:
                scheduler.OnBlock(peer, message.Index, message.Begin, message.Payload);
                break;
            case MessageId.Reject:
                if (!_wire.SupportsFast)
                    throw new PeerProtocolException("reject without the fast extension");
                var rejected = new BlockRequest(message.Index, message.Begin, message.Length);
                if (peer.Outstanding.Remove(rejected))
                    content.Picker.Release(peer, rejected, declined: true);
                break; // the next tick asks again, maybe someone else
            case MessageId.Suggest:
                content.CheckPiece(message.Index, "suggest");
                if (peer.Suggested.Count < 32 && !peer.Suggested.Contains(message.Index))
                    peer.Suggested.Add(message.Index);
                break;
            case MessageId.AllowedFast:
                content.CheckPiece(message.Index, "allowed fast");
                if (peer.AllowedFastForUs.Count < 64)
                    peer.AllowedFastForUs.Add(message.Index);
                scheduler.FillRequests(peer);
                break;
            default:
                break; // port (DHT), hashes, hash reject and unknown ids are ignored
        }
    }

    /// <summary>
    /// Before the metadata is known (and the data checked) we have nothing and know no piece
    /// count: what the peer has is kept for later, extension messages flow, and a request gets
    /// a reject (or, without the fast extension, closes the connection, as for any piece we lack).
    /// </summary>
    private void DispatchBeforeContent(in PeerMessage message)
    {
        switch (message.Id)
        {
            case MessageId.Choke:
                peer.PeerChoking = true;
                break;
            case MessageId.Unchoke:
                peer.PeerChoking = false;
                break;
            case MessageId.Interested or MessageId.NotInterested:
                peer.PeerInterested = message.Id == MessageId.Interested;
                break;
            case MessageId.Have:
                (peer.Pending ??= new()).Have(message.Index);
                break;
            case MessageId.Bitfield:
                (peer.Pending ??= new()).SetBitfield(message.Payload);
                break;
            case MessageId.HaveAll or MessageId.HaveNone:
                if (!_wire.SupportsFast)
                    throw new PeerProtocolException($"{message.Id} without the fast extension");
                if (message.Id == MessageId.HaveAll)
                    (peer.Pending ??= new()).HaveAll();
                break;
            case MessageId.Request:
                if (!_wire.SupportsFast)
                    throw new PeerProtocolException($"request for piece {message.Index} before we have any");
                _wire.SendBlock(MessageId.Reject, new BlockRequest(message.Index, message.Begin, message.Length));
                break;
            case MessageId.Hashes or MessageId.HashReject:
                if (swarm.LayerFetch is { } fetch)
                {
                    fetch.OnMessage(peer, message.Id, message.Payload);
                    fetch.Pump(swarm.Peers); // the next run now (or another peer for a refused one), not at the next tick
                }
                break;
            default:
                break; // blocks we never asked for, suggestions, allowed-fast, cancels: nothing to act on yet
        }
    }

    /// <summary>BEP 10: id 0 is the handshake; any other id is one we assigned to an extension.</summary>
    private void OnExtended(in PeerMessage message)
    {
        if (message.ExtendedId == 0)
            OnExtensionHandshake(message.Payload);
        else
            swarm.Extensions.OnMessage(peer, message.ExtendedId, message.Payload);
    }

    private void OnExtensionHandshake(ReadOnlySpan<byte> payload)
    {
        try
        {
            peer.Extensions = ExtensionHandshake.Parse(payload);
        }
        catch (Exception e) when (e is FormatException or Bencode.BencodeException)
        {
            throw new PeerProtocolException($"bad extension handshake: {e.Message}");
        }
        _wire.ClientName = peer.Extensions.Client;
        if (peer.Extensions.YourIp is { } seen)
            swarm.Client.VoteExternal(peer.EndPoint.Address, seen); // BEP 10 'yourip'; five peers must agree
        if (!peer.Outgoing && peer.Extensions.ListenPort is int port)
        {
            var listen = new System.Net.IPEndPoint(peer.EndPoint.Address, port);
            peer.ListenEndPoint = listen;
            if (swarm.Session.Peers.Add(listen, PeerSources.Incoming))
                swarm.Session.Peers.Connected(listen);
            if (swarm.Content is not null && peer.Has.All)
                swarm.Session.Peers.AddTraits(listen, PeerTraits.Seed);
        }
        swarm.Extensions.OnHandshake(peer, peer.Extensions);
    }

    private void OnRequest(TorrentContent content, BlockRequest request)
    {
        var torrent = content.Torrent;
        content.CheckPiece(request.Piece, "request");
        if (request.Length <= 0 || request.Length > PeerWire.MaxBlockLength)
            throw new PeerProtocolException($"request of {request.Length} bytes");
        // A v2 torrent's last piece of each file is short, but libtorrent counts the alignment
        // gap after it as padding and asks for whole blocks: serve the gap as zeros.
        int limit = torrent.Version == Metainfo.TorrentVersion.V2 ? torrent.PieceLength : torrent.PieceSize(request.Piece);
        if (request.Begin < 0 || (long)request.Begin + request.Length > limit)
            throw new PeerProtocolException($"request for {request.Length} bytes at {request.Begin} beyond the end of piece {request.Piece} ({limit} bytes)");
        if (!content.Picker.Have[request.Piece] || !swarm.SuperSeeding.OnRequest(peer, request.Piece))
            throw new PeerProtocolException($"request for piece {request.Piece}, which we did not announce");
        if (peer.AmChoking && !peer.AllowedFastForThem.Contains(request.Piece))
        {
            if (_wire.SupportsFast)
                _wire.SendBlock(MessageId.Reject, request);
            return;
        }
        if (!_wire.QueueUpload(request))
            throw new PeerProtocolException("too many requests queued");
    }

    /// <summary>BEP 52: piece-layer hashes with their proof, from the .torrent's piece layers.</summary>
    private void OnHashRequest(ReadOnlySpan<byte> payload)
    {
        if (payload.Length != HashRequests.RequestLength)
            throw new PeerProtocolException($"hash request of {payload.Length} bytes");
        var hashes = swarm.Content is { } content ? HashRequests.Answer(content.Torrent, payload, swarm.LayerTrees) : null;
        if (hashes is not null)
            _wire.SendPayload(MessageId.Hashes, hashes);
        else
            _wire.SendPayload(MessageId.HashReject, payload);
        EngineLog.HashRequest(swarm.Session.Logger, swarm.Session.Name, hashes is null ? "declined" : "answered", peer);
    }

    // ---- uploads (the connection's send loop, outside the lock) ----

    /// <summary>
    /// Within one of the client's disk slots (shared with piece writes, awaited without blocking):
    /// every block of the send in one go. The reads themselves are synchronous pread calls on
    /// this pool thread: .NET has no asynchronous file reads on Linux (RandomAccess.ReadAsync
    /// queues the same pread to the pool), so a hop to another thread would only add a switch.
    /// </summary>
    public async ValueTask ReadBlocksAsync(IReadOnlyList<BlockRequest> blocks, byte[] buffer, IReadOnlyList<int> offsets, CancellationToken cancellationToken)
    {
        var content = swarm.Content ?? throw new IOException("torrent stopped");
        var slots = swarm.Client.DiskSlots;
        await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            swarm.Client.BeforeBlocksRead?.Invoke(blocks[0].Piece);
            for (int i = 0; i < blocks.Count; i++)
                content.Storage.ReadToSend(blocks[i].Piece, blocks[i].Begin, buffer.AsSpan(offsets[i], blocks[i].Length), peer);
        }
        finally
        {
            slots.Release();
        }
    }

    public void OnBlockSent(int length)
    {
        peer.Up.Add(length);
        swarm.Session.CountUploaded(length);
    }
}

using System.Buffers;
using Shoal.Peers;
using Shoal.Storage;
using Shoal.Swarm;
using Shoal.Wire;

namespace Shoal;

public sealed partial class TorrentSession
{
    private readonly List<BlockRequest> _pickBuffer = [];
    private readonly List<PeerConnection> _othersBuffer = [];

    void IPeerHandler.OnMessage(PeerConnection peer, in PeerMessage message)
    {
        if (message.IsKeepAlive)
            return;
        PartialPiece<PeerConnection>? completed = null;
        lock (_gate)
        {
            if (peer.IsClosed)
                return;
            switch (message.Id)
            {
                case MessageId.Choke:
                    peer.PeerChoking = true;
                    ReleaseRequests(peer);
                    FillRequests(peer); // allowed-fast pieces may still be requested
                    break;
                case MessageId.Unchoke:
                    peer.PeerChoking = false;
                    FillRequests(peer);
                    break;
                case MessageId.Interested:
                    peer.PeerInterested = true;
                    UnchokeIfSlotFree();
                    break;
                case MessageId.NotInterested:
                    peer.PeerInterested = false;
                    if (!peer.AmChoking)
                        UnchokeIfSlotFree(); // its slot is free for someone who wants it
                    break;
                case MessageId.Have:
                    CheckPiece(message.Index, "have");
                    if (!peer.Has[message.Index])
                    {
                        peer.Has[message.Index] = true;
                        _picker.AddAvailability(message.Index);
                        if (!peer.AmInterested && _picker.IsInteresting(message.Index))
                            SetInterested(peer, true);
                        FillRequests(peer);
                    }
                    break;
                case MessageId.Bitfield:
                    Bitfield field;
                    try
                    {
                        field = Bitfield.Parse(message.Payload, Torrent.PieceCount);
                    }
                    catch (FormatException e)
                    {
                        throw new PeerProtocolException(e.Message);
                    }
                    MergeHas(peer, field);
                    break;
                case MessageId.HaveAll or MessageId.HaveNone:
                    if (!peer.SupportsFast)
                        throw new PeerProtocolException($"{message.Id} without the fast extension");
                    var all = new Bitfield(Torrent.PieceCount);
                    if (message.Id == MessageId.HaveAll)
                        all.SetAll();
                    MergeHas(peer, all);
                    break;
                case MessageId.Request:
                    OnRequest(peer, new BlockRequest(message.Index, message.Begin, message.Length));
                    break;
                case MessageId.Cancel:
                    peer.CancelUpload(new BlockRequest(message.Index, message.Begin, message.Length));
                    break;
                case MessageId.Piece:
                    completed = OnPiece(peer, message.Index, message.Begin, message.Payload);
                    break;
                case MessageId.Reject:
                    if (!peer.SupportsFast)
                        throw new PeerProtocolException("reject without the fast extension");
                    var rejected = new BlockRequest(message.Index, message.Begin, message.Length);
                    if (peer.Outstanding.Remove(rejected))
                        _picker.Release(peer, rejected);
                    break; // the next tick asks again, maybe someone else
                case MessageId.Suggest:
                    CheckPiece(message.Index, "suggest");
                    if (peer.Suggested.Count < 32 && !peer.Suggested.Contains(message.Index))
                        peer.Suggested.Add(message.Index);
                    break;
                case MessageId.AllowedFast:
                    CheckPiece(message.Index, "allowed fast");
                    if (peer.AllowedFastForUs.Count < 64)
                        peer.AllowedFastForUs.Add(message.Index);
                    FillRequests(peer);
                    break;
                case MessageId.Extended:
                    if (message.ExtendedId == 0)
                        OnExtensionHandshake(peer, message.Payload);
                    break;
                case MessageId.HashRequest:
                    // BEP 52: piece-layer hashes with their proof, from the .torrent's piece layers.
                    if (message.Payload.Length != HashRequests.RequestLength)
                        throw new PeerProtocolException($"hash request of {message.Payload.Length} bytes");
                    var hashes = HashRequests.Answer(Torrent, message.Payload);
                    if (hashes is not null)
                        peer.SendPayload(MessageId.Hashes, hashes);
                    else
                        peer.SendPayload(MessageId.HashReject, message.Payload);
                    Log?.Invoke(this, $"{(hashes is null ? "declined" : "answered")} a hash request from {peer}");
                    break;
                default:
                    break; // port (DHT), hashes, hash reject and unknown ids are ignored
            }
        }
        if (completed is not null)
            StartPieceJob(completed);
    }

    /// <summary>
    /// Takes a bitfield, have-all or have-none. BEP 3 puts it first, but clients differ (aria2
    /// may send have-none and then a bitfield), so a later one adds to what the peer has.
    /// </summary>
    private void MergeHas(PeerConnection peer, Bitfield field)
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
        UpdateInterest(peer);
    }

    private void CheckPiece(int index, string what)
    {
        if ((uint)index >= (uint)Torrent.PieceCount)
            throw new PeerProtocolException($"{what} for piece {index} of {Torrent.PieceCount}");
    }

    private void OnExtensionHandshake(PeerConnection peer, ReadOnlySpan<byte> payload)
    {
        try
        {
            peer.Extensions = ExtensionHandshake.Parse(payload);
        }
        catch (Exception e) when (e is FormatException or Bencode.BencodeException)
        {
            throw new PeerProtocolException($"bad extension handshake: {e.Message}");
        }
        if (!peer.Outgoing && peer.Extensions.ListenPort is int port)
        {
            var listen = new System.Net.IPEndPoint(peer.EndPoint.Address, port);
            peer.ListenEndPoint = listen;
            if (!_known.TryGetValue(listen, out var known) && _known.Count < MaxKnownPeers)
                _known[listen] = known = new KnownPeer();
            if (known is not null)
                known.Connected = true;
        }
    }

    private void OnRequest(PeerConnection peer, BlockRequest request)
    {
        CheckPiece(request.Piece, "request");
        if (request.Length <= 0 || request.Length > PeerWire.MaxBlockLength)
            throw new PeerProtocolException($"request of {request.Length} bytes");
        // A v2 torrent's last piece of each file is short, but libtorrent counts the alignment
        // gap after it as padding and asks for whole blocks: serve the gap as zeros.
        int limit = Torrent.Version == Metainfo.TorrentVersion.V2 ? Torrent.PieceLength : Torrent.PieceSize(request.Piece);
        if (request.Begin < 0 || (long)request.Begin + request.Length > limit)
            throw new PeerProtocolException($"request for {request.Length} bytes at {request.Begin} beyond the end of piece {request.Piece} ({limit} bytes)");
        if (!_picker.Have[request.Piece])
            throw new PeerProtocolException($"request for piece {request.Piece}, which we do not have");
        if (peer.AmChoking && !peer.AllowedFastForThem.Contains(request.Piece))
        {
            if (peer.SupportsFast)
                peer.SendBlock(MessageId.Reject, request);
            return;
        }
        if (!peer.QueueUpload(request))
            throw new PeerProtocolException("too many requests queued");
    }

    private PartialPiece<PeerConnection>? OnPiece(PeerConnection peer, int piece, int begin, ReadOnlySpan<byte> data)
    {
        CheckPiece(piece, "piece");
        if (data.Length > PeerWire.MaxBlockLength || begin < 0 || (long)begin + data.Length > Torrent.PieceSize(piece))
            throw new PeerProtocolException($"block of {data.Length} bytes at {begin} does not fit piece {piece}");
        var request = new BlockRequest(piece, begin, data.Length);
        peer.Outstanding.Remove(request);
        if (_picker.Have[piece])
            return null; // late endgame duplicate
        _othersBuffer.Clear();
        var result = _picker.OnBlock(peer, piece, begin, data, _othersBuffer, out var completed);
        if (result is BlockResult.Accepted or BlockResult.PieceComplete)
        {
            peer.Snubbed = false;
            peer.LastBlockAt = _client.Time.GetTimestamp();
            peer.Down.Add(data.Length);
            _down.Add(data.Length);
            Interlocked.Add(ref _downloaded, data.Length);
            foreach (var other in _othersBuffer)
            {
                if (other.Outstanding.Remove(request))
                    other.SendBlock(MessageId.Cancel, request);
            }
        }
        FillRequests(peer);
        return completed;
    }

    // ---------------------------------------------------------------- requests and interest

    private void FillRequests(PeerConnection peer)
    {
        if (!peer.AmInterested || peer.IsClosed)
            return;
        if (peer.PeerChoking && peer.AllowedFastForUs.Count == 0)
            return;
        int want = peer.PipelineDepth - peer.Outstanding.Count;
        if (want <= 0)
            return;
        _pickBuffer.Clear();
        _picker.Pick(peer, peer.Has, want, _pickBuffer, peer.PeerChoking ? peer.AllowedFastForUs : null, peer.Suggested.Count > 0 ? peer.Suggested : null, peer.Parole);
        long now = _client.Time.GetTimestamp();
        foreach (var request in _pickBuffer)
        {
            peer.Outstanding[request] = now;
            peer.SendBlock(MessageId.Request, request);
        }
    }

    private void UpdateInterest(PeerConnection peer)
    {
        bool interesting = _picker.IsInteresting(peer.Has);
        if (interesting != peer.AmInterested)
            SetInterested(peer, interesting);
        if (interesting)
            FillRequests(peer);
    }

    private void SetInterested(PeerConnection peer, bool interested)
    {
        peer.AmInterested = interested;
        peer.Send(interested ? MessageId.Interested : MessageId.NotInterested);
    }

    // ---------------------------------------------------------------- uploads

    void IPeerHandler.ReadBlock(BlockRequest request, Span<byte> destination)
    {
        var storage = _storage ?? throw new IOException("torrent stopped");
        storage.Read(request.Piece, request.Begin, destination);
    }

    void IPeerHandler.OnBlockSent(PeerConnection peer, int length)
    {
        _up.Add(length);
        Interlocked.Add(ref _uploaded, length);
    }

    // ---------------------------------------------------------------- verification

    private void StartPieceJob(PartialPiece<PeerConnection> partial)
    {
        lock (_gate)
        {
            _jobs.RemoveAll(j => j.IsCompleted);
            _jobs.Add(VerifyAndWriteAsync(partial));
        }
    }

    private async Task VerifyAndWriteAsync(PartialPiece<PeerConnection> partial)
    {
        bool verified = false;
        string? failure = null;
        await _client.DiskSlots.WaitAsync().ConfigureAwait(false);
        try
        {
            var storage = _storage;
            await Task.Run(() =>
            {
                verified = PieceVerifier.Verify(Torrent, partial.Index, partial.Data.Span);
                if (verified)
                {
                    if (storage is null)
                        throw new IOException("torrent stopped");
                    storage.WritePiece(partial.Index, partial.Data.Span);
                }
            }).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            failure = e.Message;
            verified = false;
        }
        finally
        {
            _client.DiskSlots.Release();
        }
        if (failure is not null)
        {
            lock (_gate)
            {
                _picker.Finish(partial, false);
            }
            if (State is TorrentState.Downloading or TorrentState.Seeding)
                Fail($"cannot write piece {partial.Index}: {failure}");
            return;
        }
        lock (_gate)
        {
            var senders = partial.Senders;
            if (verified)
            {
                IdentifyBadSenders(partial, senders);
                if (partial.Exclusive is { } owner)
                    owner.Parole = false;
                _picker.Finish(partial, true);
                foreach (var peer in _peers)
                {
                    peer.SendIndex(MessageId.Have, partial.Index);
                    if (peer.AmInterested && !_picker.IsInteresting(peer.Has))
                        SetInterested(peer, false);
                }
            }
            else
            {
                RememberFailure(partial, senders);
                _picker.Finish(partial, false);
            }
        }
        if (verified)
            CheckCompletion();
    }

    private void RememberFailure(PartialPiece<PeerConnection> partial, PeerConnection?[] senders)
    {
        var distinct = senders.Where(s => s is not null).Distinct().ToList();
        foreach (var sender in distinct)
            sender!.Parole = true;
        Log?.Invoke(this, $"piece {partial.Index} failed its hash check (blocks from {string.Join(", ", distinct)})");
        // One sender for the whole piece: that peer is certainly to blame.
        if (distinct.Count == 1 && ++distinct[0]!.HashFailures >= BanAfterFailures)
            Ban(distinct[0]!, "sent data that failed the hash check");
        // Keep the bad copy: when the piece later passes, the blocks that differ name the culprits.
        if (_failedPieces.Count < MaxFailedPiecesKept && !_failedPieces.ContainsKey(partial.Index))
        {
            var copy = ArrayPool<byte>.Shared.Rent(partial.Size);
            partial.Data.Span.CopyTo(copy);
            _failedPieces[partial.Index] = new FailedPiece(copy, senders);
        }
    }

    private void IdentifyBadSenders(PartialPiece<PeerConnection> partial, PeerConnection?[] senders)
    {
        if (!_failedPieces.Remove(partial.Index, out var failed))
            return;
        var good = partial.Data.Span;
        for (int b = 0; b < partial.BlockCount; b++)
        {
            int begin = b * BlockRequest.BlockSize;
            int length = partial.BlockLength(b);
            if (failed.Senders[b] is { } sender && !good.Slice(begin, length).SequenceEqual(failed.Data.AsSpan(begin, length)))
            {
                if (!sender.IsClosed || !_bannedPeerIds.Contains(Convert.ToHexStringLower(sender.RemotePeerId)))
                    Ban(sender, $"sent a corrupt block of piece {partial.Index}");
            }
        }
        ArrayPool<byte>.Shared.Return(failed.Data);
    }

    private void CheckCompletion()
    {
        bool completedNow = false;
        lock (_gate)
        {
            if (State == TorrentState.Downloading && _picker.WantedComplete)
            {
                SetState(TorrentState.Seeding);
                completedNow = true;
            }
            else if (State == TorrentState.Seeding)
            {
                _completed.TrySetResult();
            }
        }
        if (completedNow)
        {
            SaveResume();
            _completed.TrySetResult();
            _announceNow.Release();
        }
    }
}

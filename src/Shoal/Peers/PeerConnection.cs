using System.Buffers;
using System.Net;
using Shoal.Limits;
using Shoal.Net;
using Shoal.Swarm;
using Shoal.Wire;

namespace Shoal.Peers;

/// <summary>
/// One peer-wire connection after the handshake; it only moves bytes. A receive loop reads into
/// one buffer (growing only up to the largest allowed message) and hands each whole message to
/// its handler; a send loop batches queued messages and requested blocks into one buffer per
/// write, reading blocks from disk straight into that buffer. What is queued for the peer is
/// bounded twice: replies waiting in this process (a peer that keeps asking but never reads is
/// closed), and bytes waiting below us in the stream (about a quarter second at the peer's rate).
/// </summary>
internal sealed class PeerConnection : IPeer, IAsyncDisposable
{
    private const int ReceiveBufferSize = 128 * 1024;
    private const int MaxBlocksPerSend = 8;

    private readonly PeerStream _stream;
    private readonly TimeProvider _time;
    private readonly RateLimiter[] _downLimits;
    private readonly RateLimiter[] _upLimits;
    private readonly SemaphoreSlim _sendSignal = new(0, int.MaxValue);
    private readonly CancellationTokenSource _closing = new();
    private readonly RateMeter _sent;
    private readonly PeerSendQueue _queue;
    private int _closed;
    private int _maxMessageLength = 128 * 1024;
    private volatile int _batchThread = -1;
    private bool _signalPending;

    public PeerConnection(PeerStream stream, Handshake remote, bool outgoing, TimeProvider time,
        RateLimiter[] downLimits, RateLimiter[] upLimits, DeferredSends? deferred = null)
    {
        _stream = stream;
        _time = time;
        _downLimits = downLimits;
        _upLimits = upLimits;
        _sent = new RateMeter(time);
        _queue = new PeerSendQueue(Signal, Close, deferred);
        RemoteHandshake = remote;
        Outgoing = outgoing;
        EndPoint = stream.RemoteEndPoint;
        LastReceive = LastSend = time.GetTimestamp();
    }

    public Handshake RemoteHandshake { get; }
    public byte[] RemotePeerId => RemoteHandshake.PeerId;
    public bool Outgoing { get; }
    public IPEndPoint EndPoint { get; }
    public PeerTransport Transport => _stream.Transport;
    public bool SupportsFast => RemoteHandshake.SupportsFast;
    public bool SupportsExtensions => RemoteHandshake.SupportsExtensions;
    public long LastReceive { get; private set; }
    public long LastSend { get; private set; }
    public string? CloseReason { get; private set; }
    /// <summary>
    /// An exception that is neither the peer's fault nor the network's (a bug of ours, or of an
    /// extension or storage plugged in): the connection closes, and its owner, once it has cleaned
    /// up, fails the torrent with it rather than let the fault pass as an ordinary disconnect.
    /// </summary>
    public Exception? InternalError { get; private set; }
    /// <summary>The largest message accepted (its length prefix is checked before anything is read); the torrent raises it once the metadata says how big a bitfield is.</summary>
    public int MaxMessageLength
    {
        get => Volatile.Read(ref _maxMessageLength);
        set => Volatile.Write(ref _maxMessageLength, value);
    }
    public bool IsClosed => Volatile.Read(ref _closed) != 0;
    /// <summary>The client name from the extension handshake, once it arrived.</summary>
    public string? ClientName { get; set; }
    public string Client => ClientName ?? PeerId.Describe(RemotePeerId);


    public override string ToString() => $"{EndPoint} ({Client})";

    // ---- IPeer ----

    public void Request(BlockRequest request) => SendBlock(MessageId.Request, request);
    public void Cancel(BlockRequest request) => SendBlock(MessageId.Cancel, request);
    public void Interested(bool interested) => Send(interested ? MessageId.Interested : MessageId.NotInterested);
    public void Choke(bool choke) => Send(choke ? MessageId.Choke : MessageId.Unchoke);
    public void Have(int piece, bool now) => _queue.SendIndex(MessageId.Have, piece, defer: !now);

    // ---- sending (any thread): see PeerSendQueue ----

    public void Send(MessageId id) => _queue.Send(id);
    public void SendIndex(MessageId id, int index) => _queue.SendIndex(id, index);
    public void SendBlock(MessageId id, BlockRequest block) => _queue.SendBlock(id, block);
    public void SendPayload(MessageId id, ReadOnlySpan<byte> payload) => _queue.SendPayload(id, payload);
    public void SendExtended(byte extendedId, ReadOnlySpan<byte> payload) => _queue.SendExtended(extendedId, payload);
    public void SendKeepAlive() => _queue.SendKeepAlive();
    /// <summary>Queues a block to upload; false when the peer has too many requests queued.</summary>
    public bool QueueUpload(BlockRequest request) => _queue.QueueUpload(request);
    public bool CancelUpload(BlockRequest request) => _queue.CancelUpload(request);
    /// <summary>Drops every queued upload (we choked the peer) and returns them, to reject under the fast extension.</summary>
    public List<BlockRequest> ClearUploads() => _queue.ClearUploads();

    private void Signal()
    {
        if (IsClosed)
            return;
        // While this connection's receive loop handles a run of messages, what they queue for
        // this peer goes out in one write when the run ends, not one syscall per request.
        if (_batchThread == Environment.CurrentManagedThreadId)
        {
            _signalPending = true;
            return;
        }
        try
        {
            _sendSignal.Release();
        }
        catch (ObjectDisposedException)
        {
            // closed and disposed between the check above and now, from another thread: nothing to wake
        }
    }

    // ---- loops ----

    /// <summary>Runs the receive and send loops until the connection closes; never throws.</summary>
    public async Task RunAsync(IPeerHandler handler, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing.Token);
        var token = linked.Token;
        var send = RunSendAsync(handler, token);
        try
        {
            await ReceiveLoopAsync(handler, token).ConfigureAwait(false);
        }
        catch (PeerProtocolException e)
        {
            Close(e.Message);
        }
        catch (OperationCanceledException)
        {
            Close(cancellationToken.IsCancellationRequested ? "stopped" : CloseReason ?? "closed");
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or ObjectDisposedException)
        {
            Close(e.Message);
        }
        catch (Exception e)
        {
            InternalError ??= e;
            Close($"internal error: {e.GetType().Name}: {e.Message}");
        }
        await send.ConfigureAwait(false);
    }

    private async Task RunSendAsync(IPeerHandler handler, CancellationToken token)
    {
        try
        {
            await SendLoopAsync(handler, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or ObjectDisposedException)
        {
            Close($"send failed: {e.Message}");
        }
        catch (Exception e)
        {
            InternalError ??= e;
            Close($"send failed: {e.GetType().Name}: {e.Message}");
        }
    }

    private async Task ReceiveLoopAsync(IPeerHandler handler, CancellationToken token)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ReceiveBufferSize);
        int start = 0, end = 0;
        try
        {
            while (true)
            {
                _batchThread = Environment.CurrentManagedThreadId;
                try
                {
                    start = HandleMessages(handler, buffer, start, end, MaxMessageLength, out int needed);
                    if (needed > buffer.Length)
                    {
                        // Grow only to the size the (already bounded) length prefix says.
                        var bigger = ArrayPool<byte>.Shared.Rent(needed);
                        buffer.AsSpan(start, end - start).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                        end -= start;
                        start = 0;
                    }
                }
                finally
                {
                    _batchThread = -1;
                    if (_signalPending)
                    {
                        _signalPending = false;
                        Signal();
                    }
                }
                if (IsClosed)
                    return;
                if (start > 0)
                {
                    buffer.AsSpan(start, end - start).CopyTo(buffer);
                    end -= start;
                    start = 0;
                }
                int room = buffer.Length - end;
                int allowed = room;
                foreach (var limit in _downLimits)
                {
                    if (!limit.IsUnlimited)
                        allowed = await limit.AcquireUpToAsync(allowed, Math.Min(allowed, 1024), token).ConfigureAwait(false);
                }
                int n = await _stream.ReadAsync(buffer.AsMemory(end, allowed), token).ConfigureAwait(false);
                foreach (var limit in _downLimits)
                    limit.Refund(allowed - n);
                if (n == 0)
                {
                    Close("the peer closed the connection");
                    return;
                }
                end += n;
                LastReceive = _time.GetTimestamp();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Handles every whole message in buffer[start..end]; returns the new start and what the next message needs.</summary>
    private int HandleMessages(IPeerHandler handler, byte[] buffer, int start, int end, int maxMessageLength, out int needed)
    {
        while (true)
        {
            var status = PeerWire.TryRead(buffer.AsSpan(start, end - start), maxMessageLength, out var message, out needed, out string? error);
            if (status == ParseStatus.Error)
                throw new PeerProtocolException(error!);
            if (status == ParseStatus.NeedMore)
                return start;
            handler.OnMessage(message);
            start += needed;
            needed = 0;
            if (IsClosed)
                return start;
        }
    }

    /// <summary>Blocks per write and bytes left queued below us: about a quarter second at the rate we send.</summary>
    private int TuneForRate()
    {
        long quarterSecond = _sent.Rate / 4;
        _stream.SetSendBacklog((int)Math.Clamp(quarterSecond, 16 * 1024, 4 * 1024 * 1024) & ~0xFFF);
        return (int)Math.Clamp(quarterSecond / BlockRequest.BlockSize, 1, MaxBlocksPerSend);
    }

    private async Task SendLoopAsync(IPeerHandler handler, CancellationToken token)
    {
        var spare = new ArrayBufferWriter<byte>(256);
        var blocks = new List<BlockRequest>(MaxBlocksPerSend);
        var offsets = new List<int>(MaxBlocksPerSend);
        while (!token.IsCancellationRequested)
        {
            await _sendSignal.WaitAsync(token).ConfigureAwait(false);
            while (true)
            {
                int blocksPerSend = TuneForRate();
                blocks.Clear();
                var control = _queue.Take(spare, blocks, blocksPerSend);
                spare = control; // the two buffers must stay two: this one goes back to the queue next time
                if (control.WrittenCount == 0 && blocks.Count == 0)
                    break;
                int at = control.WrittenCount;
                if (blocks.Count == 0)
                {
                    await _stream.WriteAsync(control.WrittenMemory, token).ConfigureAwait(false); // haves and the like: no copy
                }
                else
                {
                    // Rented for this write only: an idle connection holds no send buffer.
                    byte[] batch = ArrayPool<byte>.Shared.Rent(at + blocks.Sum(b => b.Length + 13));
                    try
                    {
                        control.WrittenSpan.CopyTo(batch);
                        offsets.Clear();
                        foreach (var block in blocks)
                        {
                            foreach (var limit in _upLimits)
                                await limit.AcquireAsync(block.Length, token).ConfigureAwait(false);
                            at += PeerWire.WritePieceHeader(batch.AsSpan(at), block.Piece, block.Begin, block.Length);
                            offsets.Add(at);
                            at += block.Length;
                        }
                        await handler.ReadBlocksAsync(blocks, batch, offsets, token).ConfigureAwait(false);
                        await _stream.WriteAsync(batch.AsMemory(0, at), token).ConfigureAwait(false);
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(batch);
                    }
                }
                control.ResetWrittenCount();
                LastSend = _time.GetTimestamp();
                _sent.Add(at);
                foreach (var block in blocks)
                    handler.OnBlockSent(block.Length);
            }
        }
    }

    /// <summary>Closes the connection (idempotent); the loops end.</summary>
    public void Close(string reason)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
            return;
        CloseReason = reason;
        try
        {
            _closing.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
        _stream.Close();
    }

    public async ValueTask DisposeAsync()
    {
        Close(CloseReason ?? "disposed");
        await _stream.DisposeAsync().ConfigureAwait(false);
        _closing.Dispose();
        _sendSignal.Dispose();
    }
}

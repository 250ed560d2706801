using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Shoal.Limits;
using Shoal.Swarm;
using Shoal.Wire;

namespace Shoal.Peers;

/// <summary>
/// One peer-wire connection after the handshake. It runs two loops: a receive loop that reads
/// into one buffer (growing only up to the largest allowed message) and hands each whole message
/// to its torrent, and a send loop that batches queued messages and requested blocks into one
/// buffer per syscall, reading blocks from disk straight into that buffer. The swarm state
/// fields are owned by the torrent and changed only under its lock.
/// </summary>
public sealed class PeerConnection : IAsyncDisposable
{
    private const int ReceiveBufferSize = 128 * 1024;
    private const int MaxQueuedUploads = 2048;
    private const int BlocksPerSend = 8;

    private readonly Socket _socket;
    private readonly TimeProvider _time;
    private readonly RateLimiter[] _downLimits;
    private readonly RateLimiter[] _upLimits;
    private readonly Lock _sendGate = new();
    private readonly SemaphoreSlim _sendSignal = new(0, int.MaxValue);
    private readonly CancellationTokenSource _closing = new();
    private ArrayBufferWriter<byte> _control = new(256);
    private readonly LinkedList<BlockRequest> _uploads = new();
    private int _closed;
    private volatile int _batchThread = -1;
    private bool _signalPending;

    public PeerConnection(Socket socket, Handshake remote, bool outgoing, IPEndPoint endPoint, TimeProvider time,
        RateLimiter[] downLimits, RateLimiter[] upLimits, Bitfield initialHas)
    {
        _socket = socket;
        _time = time;
        _downLimits = downLimits;
        _upLimits = upLimits;
        RemoteHandshake = remote;
        Outgoing = outgoing;
        EndPoint = endPoint;
        Has = initialHas;
        Down = new RateMeter(time);
        Up = new RateMeter(time);
        LastReceive = LastSend = time.GetTimestamp();
    }

    public Handshake RemoteHandshake { get; }
    public byte[] RemotePeerId => RemoteHandshake.PeerId;
    public bool Outgoing { get; }
    public IPEndPoint EndPoint { get; }
    public bool SupportsFast => RemoteHandshake.SupportsFast;
    public bool SupportsExtensions => RemoteHandshake.SupportsExtensions;
    public RateMeter Down { get; }
    public RateMeter Up { get; }
    public long LastReceive { get; private set; }
    public long LastSend { get; private set; }
    public string? CloseReason { get; private set; }
    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    // ---- swarm state, owned by the torrent under its lock ----
    public bool AmChoking { get; set; } = true;
    public bool AmInterested { get; set; }
    public bool PeerChoking { get; set; } = true;
    public bool PeerInterested { get; set; }
    public Bitfield Has { get; set; }
    public ExtensionHandshake? Extensions { get; set; }
    /// <summary>Our requests to the peer not yet answered, with when each was sent.</summary>
    public Dictionary<BlockRequest, long> Outstanding { get; } = [];
    /// <summary>When the peer last sent us a block we wanted.</summary>
    public long LastBlockAt { get; set; }
    public HashSet<int> AllowedFastForUs { get; } = [];
    public HashSet<int> AllowedFastForThem { get; } = [];
    public List<int> Suggested { get; } = [];
    public bool Snubbed { get; set; }
    public int HashFailures { get; set; }
    /// <summary>Sent part of a piece that failed its hash: fetches only whole pieces alone until one passes.</summary>
    public bool Parole { get; set; }
    public long LastUnchoked { get; set; }
    public bool Optimistic { get; set; }
    /// <summary>The peer's listening endpoint when known (ours for outgoing; from BEP 10 'p' for incoming).</summary>
    public IPEndPoint? ListenEndPoint { get; set; }

    /// <summary>Requests to keep outstanding: about two seconds of this peer's rate, within its reqq.</summary>
    public int PipelineDepth
    {
        get
        {
            if (Snubbed)
                return 1;
            int cap = Math.Min(Extensions?.RequestQueue ?? 250, 500);
            long rate = Down.Rate;
            return (int)Math.Clamp(rate * 2 / BlockRequest.BlockSize, Math.Min(32, cap), Math.Max(cap, 1));
        }
    }

    public string Client => Extensions?.Client ?? PeerId.Describe(RemotePeerId);

    public override string ToString() => $"{EndPoint} ({Client})";

    // ---- sending (any thread) ----

    public void Send(MessageId id)
    {
        lock (_sendGate)
            _control.Advance(PeerWire.WriteSimple(_control.GetSpan(5), id));
        Signal();
    }

    public void SendIndex(MessageId id, int index)
    {
        lock (_sendGate)
            _control.Advance(PeerWire.WriteIndex(_control.GetSpan(9), id, index));
        Signal();
    }

    public void SendBlock(MessageId id, BlockRequest block)
    {
        lock (_sendGate)
            _control.Advance(PeerWire.WriteBlock(_control.GetSpan(17), id, block.Piece, block.Begin, block.Length));
        Signal();
    }

    public void SendPayload(MessageId id, ReadOnlySpan<byte> payload)
    {
        lock (_sendGate)
            _control.Advance(PeerWire.WritePayload(_control.GetSpan(5 + payload.Length), id, payload));
        Signal();
    }

    public void SendExtended(byte extendedId, ReadOnlySpan<byte> payload)
    {
        lock (_sendGate)
            _control.Advance(PeerWire.WriteExtended(_control.GetSpan(6 + payload.Length), extendedId, payload));
        Signal();
    }

    public void SendKeepAlive()
    {
        lock (_sendGate)
            _control.Advance(PeerWire.WriteKeepAlive(_control.GetSpan(4)));
        Signal();
    }

    /// <summary>Queues a block to upload; false when the peer has too many requests queued.</summary>
    public bool QueueUpload(BlockRequest request)
    {
        lock (_sendGate)
        {
            if (_uploads.Count >= MaxQueuedUploads)
                return false;
            _uploads.AddLast(request);
        }
        Signal();
        return true;
    }

    public bool CancelUpload(BlockRequest request)
    {
        lock (_sendGate)
            return _uploads.Remove(request);
    }

    /// <summary>Drops every queued upload (we choked the peer) and returns them, to reject under the fast extension.</summary>
    public List<BlockRequest> ClearUploads()
    {
        lock (_sendGate)
        {
            var list = _uploads.ToList();
            _uploads.Clear();
            return list;
        }
    }

    private void Signal()
    {
        if (IsClosed)
            return;
        // While this connection's receive loop handles a run of messages, what they queue for
        // this peer goes out in one send when the run ends, not one syscall per request.
        if (_batchThread == Environment.CurrentManagedThreadId)
        {
            _signalPending = true;
            return;
        }
        _sendSignal.Release();
    }

    // ---- loops ----

    /// <summary>Runs the receive and send loops until the connection closes; never throws.</summary>
    public async Task RunAsync(IPeerHandler handler, int maxMessageLength, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing.Token);
        var token = linked.Token;
        var send = RunSendAsync(handler, token);
        try
        {
            await ReceiveLoopAsync(handler, maxMessageLength, token).ConfigureAwait(false);
        }
        catch (PeerProtocolException e)
        {
            Close(e.Message);
        }
        catch (OperationCanceledException)
        {
            Close(cancellationToken.IsCancellationRequested ? "stopped" : CloseReason ?? "closed");
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException)
        {
            Close(e.Message);
        }
        catch (Exception e)
        {
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
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException)
        {
            Close($"send failed: {e.Message}");
        }
        catch (Exception e)
        {
            Close($"send failed: {e.GetType().Name}: {e.Message}");
        }
    }

    private async Task ReceiveLoopAsync(IPeerHandler handler, int maxMessageLength, CancellationToken token)
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
                    start = HandleMessages(handler, buffer, start, end, maxMessageLength, out int needed);
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
                int n = await _socket.ReceiveAsync(buffer.AsMemory(end, allowed), SocketFlags.None, token).ConfigureAwait(false);
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
            handler.OnMessage(this, message);
            start += needed;
            needed = 0;
            if (IsClosed)
                return start;
        }
    }

    private async Task SendLoopAsync(IPeerHandler handler, CancellationToken token)
    {
        var spare = new ArrayBufferWriter<byte>(256);
        var blocks = new List<BlockRequest>(BlocksPerSend);
        byte[] batch = ArrayPool<byte>.Shared.Rent(BlocksPerSend * (BlockRequest.BlockSize + 13) + 4096);
        try
        {
            while (!token.IsCancellationRequested)
            {
                await _sendSignal.WaitAsync(token).ConfigureAwait(false);
                while (true)
                {
                    ArrayBufferWriter<byte> control;
                    blocks.Clear();
                    lock (_sendGate)
                    {
                        control = _control;
                        _control = spare;
                        while (blocks.Count < BlocksPerSend && _uploads.First is { } first)
                        {
                            blocks.Add(first.Value);
                            _uploads.RemoveFirst();
                        }
                    }
                    if (control.WrittenCount == 0 && blocks.Count == 0)
                    {
                        spare = control; // the two buffers must stay two
                        break;
                    }
                    int length = control.WrittenCount + blocks.Sum(b => b.Length + 13);
                    if (batch.Length < length)
                    {
                        ArrayPool<byte>.Shared.Return(batch);
                        batch = ArrayPool<byte>.Shared.Rent(length);
                    }
                    control.WrittenSpan.CopyTo(batch);
                    int at = control.WrittenCount;
                    control.ResetWrittenCount();
                    spare = control;
                    foreach (var block in blocks)
                    {
                        foreach (var limit in _upLimits)
                            await limit.AcquireAsync(block.Length, token).ConfigureAwait(false);
                        at += PeerWire.WritePieceHeader(batch.AsSpan(at), block.Piece, block.Begin, block.Length);
                        handler.ReadBlock(block, batch.AsSpan(at, block.Length));
                        at += block.Length;
                    }
                    int sent = 0;
                    while (sent < at)
                        sent += await _socket.SendAsync(batch.AsMemory(sent, at - sent), SocketFlags.None, token).ConfigureAwait(false);
                    LastSend = _time.GetTimestamp();
                    foreach (var block in blocks)
                    {
                        Up.Add(block.Length);
                        handler.OnBlockSent(this, block.Length);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(batch);
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
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        _socket.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Close(CloseReason ?? "disposed");
        _closing.Dispose();
        _sendSignal.Dispose();
        return ValueTask.CompletedTask;
    }
}

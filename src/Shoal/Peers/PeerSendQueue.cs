using System.Buffers;
using Shoal.Swarm;
using Shoal.Wire;

namespace Shoal.Peers;

/// <summary>
/// What waits to be sent to one peer: control messages encoded into one growing buffer, and the
/// blocks it asked for. Both are bounded: a peer whose replies pile up past
/// <see cref="MaxControlBacklog"/> (it asks but never reads) is closed, and at most
/// <see cref="MaxQueuedUploads"/> requests wait. Thread-safe; the send loop takes batches.
/// </summary>
internal sealed class PeerSendQueue(Action signal, Action<string> close, DeferredSends? deferred = null)
{
    public const int MaxQueuedUploads = 2048;
    /// <summary>Replies (rejects, hashes, haves) a peer may leave unread before it is dropped.</summary>
    public const int MaxControlBacklog = 512 * 1024;

    /// <summary>Whether <paramref name="count"/> haves (9 bytes each) fit in a fair share of the backlog: a quarter.</summary>
    public static bool HavesFit(int count) => count * 9L <= MaxControlBacklog / 4;

    private readonly Lock _sendGate = new();
    private ArrayBufferWriter<byte> _control = new(256);
    private readonly LinkedList<BlockRequest> _uploads = new();
    /// <summary>Deferred messages wait in the control buffer and this queue is listed with the flusher (under the lock).</summary>
    private bool _deferredWaiting;

    public void Send(MessageId id)
    {
        Span<byte> message = stackalloc byte[5];
        Append(message[..PeerWire.WriteSimple(message, id)]);
    }

    /// <summary>
    /// Queues an index message; one that may wait (<paramref name="defer"/>: a have) leaves with
    /// the next write, or when the client's <see cref="DeferredSends"/> flusher ticks (at once
    /// without a flusher).
    /// </summary>
    public void SendIndex(MessageId id, int index, bool defer = false)
    {
        Span<byte> message = stackalloc byte[9];
        Append(message[..PeerWire.WriteIndex(message, id, index)], defer && deferred is not null);
    }

    /// <summary>The flusher's tick: wakes the send loop if deferred messages still wait (none did when a write took them).</summary>
    public void FlushDeferred()
    {
        lock (_sendGate)
        {
            if (!_deferredWaiting)
                return;
        }
        signal();
    }

    public void SendBlock(MessageId id, BlockRequest block)
    {
        Span<byte> message = stackalloc byte[17];
        Append(message[..PeerWire.WriteBlock(message, id, block.Piece, block.Begin, block.Length)]);
    }

    public void SendKeepAlive()
    {
        Span<byte> message = stackalloc byte[4];
        Append(message[..PeerWire.WriteKeepAlive(message)]);
    }

    public void SendPayload(MessageId id, ReadOnlySpan<byte> payload)
    {
        byte[] message = ArrayPool<byte>.Shared.Rent(5 + payload.Length);
        Append(message.AsSpan(0, PeerWire.WritePayload(message, id, payload)));
        ArrayPool<byte>.Shared.Return(message);
    }

    public void SendExtended(byte extendedId, ReadOnlySpan<byte> payload)
    {
        byte[] message = ArrayPool<byte>.Shared.Rent(6 + payload.Length);
        Append(message.AsSpan(0, PeerWire.WriteExtended(message, extendedId, payload)));
        ArrayPool<byte>.Shared.Return(message);
    }

    /// <summary>
    /// Appends one encoded message unless it would pass the backlog bound; then the peer is closed
    /// instead. A deferred one does not wake the send loop: the queue is listed with the flusher
    /// (once per wait) unless a write takes it first.
    /// </summary>
    private void Append(ReadOnlySpan<byte> message, bool defer = false)
    {
        int backlog;
        bool list = false;
        lock (_sendGate)
        {
            backlog = _control.WrittenCount + message.Length;
            if (backlog <= MaxControlBacklog)
            {
                _control.Write(message);
                list = defer && !_deferredWaiting;
                _deferredWaiting |= defer;
            }
        }
        if (defer && backlog <= MaxControlBacklog)
        {
            if (list)
                deferred!.Add(this);
        }
        else
            Done(backlog <= MaxControlBacklog ? 0 : backlog);
    }

    /// <summary>Wakes the send loop, or closes a peer whose replies pile up unread.</summary>
    private void Done(int overflow)
    {
        if (overflow == 0)
            signal();
        else
            close($"does not read what it asks for ({overflow} bytes of replies waiting)");
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
        signal();
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

    /// <summary>
    /// For the send loop: swaps in <paramref name="spare"/> for the control buffer (returned) and
    /// moves up to <paramref name="maxBlocks"/> queued uploads into <paramref name="blocks"/>.
    /// </summary>
    public ArrayBufferWriter<byte> Take(ArrayBufferWriter<byte> spare, List<BlockRequest> blocks, int maxBlocks)
    {
        lock (_sendGate)
        {
            var control = _control;
            _control = spare;
            _deferredWaiting = false;
            while (blocks.Count < maxBlocks && _uploads.First is { } first)
            {
                blocks.Add(first.Value);
                _uploads.RemoveFirst();
            }
            return control;
        }
    }
}

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
public sealed class PeerSendQueue(Action signal, Action<string> close)
{
    public const int MaxQueuedUploads = 2048;
    /// <summary>Replies (rejects, hashes, haves) a peer may leave unread before it is dropped.</summary>
    public const int MaxControlBacklog = 512 * 1024;

    private readonly Lock _sendGate = new();
    private ArrayBufferWriter<byte> _control = new(256);
    private readonly LinkedList<BlockRequest> _uploads = new();

    /// <summary>Bytes of replies queued and not yet taken by the send loop.</summary>
    public int ControlBacklog
    {
        get
        {
            lock (_sendGate)
                return _control.WrittenCount;
        }
    }


    public void Send(MessageId id)
    {
        int overflow;
        lock (_sendGate)
        {
            overflow = Overflow(5);
            if (overflow == 0)
                _control.Advance(PeerWire.WriteSimple(_control.GetSpan(5), id));
        }
        Done(overflow);
    }

    public void SendIndex(MessageId id, int index)
    {
        int overflow;
        lock (_sendGate)
        {
            overflow = Overflow(9);
            if (overflow == 0)
                _control.Advance(PeerWire.WriteIndex(_control.GetSpan(9), id, index));
        }
        Done(overflow);
    }

    public void SendBlock(MessageId id, BlockRequest block)
    {
        int overflow;
        lock (_sendGate)
        {
            overflow = Overflow(17);
            if (overflow == 0)
                _control.Advance(PeerWire.WriteBlock(_control.GetSpan(17), id, block.Piece, block.Begin, block.Length));
        }
        Done(overflow);
    }

    public void SendPayload(MessageId id, ReadOnlySpan<byte> payload)
    {
        int overflow;
        lock (_sendGate)
        {
            overflow = Overflow(5 + payload.Length);
            if (overflow == 0)
                _control.Advance(PeerWire.WritePayload(_control.GetSpan(5 + payload.Length), id, payload));
        }
        Done(overflow);
    }

    public void SendExtended(byte extendedId, ReadOnlySpan<byte> payload)
    {
        int overflow;
        lock (_sendGate)
        {
            overflow = Overflow(6 + payload.Length);
            if (overflow == 0)
                _control.Advance(PeerWire.WriteExtended(_control.GetSpan(6 + payload.Length), extendedId, payload));
        }
        Done(overflow);
    }

    public void SendKeepAlive()
    {
        int overflow;
        lock (_sendGate)
        {
            overflow = Overflow(4);
            if (overflow == 0)
                _control.Advance(PeerWire.WriteKeepAlive(_control.GetSpan(4)));
        }
        Done(overflow);
    }

    /// <summary>Under the send lock: 0 when <paramref name="size"/> more bytes fit the backlog bound, else the backlog they would make.</summary>
    private int Overflow(int size)
    {
        int backlog = _control.WrittenCount + size;
        return backlog <= MaxControlBacklog ? 0 : backlog;
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
            while (blocks.Count < maxBlocks && _uploads.First is { } first)
            {
                blocks.Add(first.Value);
                _uploads.RemoveFirst();
            }
            return control;
        }
    }
}

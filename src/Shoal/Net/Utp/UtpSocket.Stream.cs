namespace Shoal.Net.Utp;

internal sealed partial class UtpSocket
{
    /// <summary>Reads what arrived in order; 0 once the peer's FIN and everything before it were read; throws after a reset or time-out.</summary>
    public async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            lock (_gate)
            {
                if (_receivedBytes > 0)
                    return TakeReceived(buffer.Span);
                if (AtEof)
                    return 0;
                if (_state == State.Closed)
                    throw _error is null ? new ObjectDisposedException(nameof(UtpSocket)) : new IOException(_error.Message, _error);
                _readable ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _readable.Task;
            }
            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Queues every byte for sending, waiting while the send buffer is full.</summary>
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            Task wait;
            lock (_gate)
            {
                if (_state == State.Closed)
                    throw _error is null ? new ObjectDisposedException(nameof(UtpSocket)) : new IOException(_error.Message, _error);
                int room = _unsendCapacity - _unsentBytes;
                if (room > 0)
                {
                    int n = Math.Min(room, data.Length);
                    _unsent.Enqueue(data[..n].ToArray());
                    _unsentBytes += n;
                    data = data[n..];
                    FlushLocked();
                    continue;
                }
                _writable ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _writable.Task;
            }
            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>How many bytes may wait unsent above the window (the wire layer's hint for how soon a control message goes out).</summary>
    public void SetSendBacklog(int bytes)
    {
        lock (_gate)
            _unsendCapacity = Math.Clamp(bytes, 16 * 1024, 4 << 20);
    }

    /// <summary>Closes at once: a FIN when everything sent was acknowledged, else a RESET; what is unread or unsent is dropped.</summary>
    public void Close()
    {
        lock (_gate)
        {
            if (_state == State.Closed)
                return;
            if (_state == State.Connected)
            {
                bool clean = _inFlight.Count == 0 && _unsentBytes == 0;
                var datagram = new byte[UtpPacket.HeaderLength];
                UtpPacket.WriteHeader(datagram, Header(clean ? UtpType.Fin : UtpType.Reset, _seqNr), UtpHeader.NoSack);
                _mux.Send(datagram, Remote);
            }
            _error ??= new ObjectDisposedException(nameof(UtpSocket));
            CloseLocked();
        }
    }

    private int TakeReceived(Span<byte> into)
    {
        int at = 0;
        while (at < into.Length && _received.Count > 0)
        {
            var chunk = _received.Peek();
            int n = Math.Min(into.Length - at, chunk.Length - _receivedOffset);
            chunk.AsSpan(_receivedOffset, n).CopyTo(into[at..]);
            at += n;
            _receivedOffset += n;
            if (_receivedOffset == chunk.Length)
            {
                _received.Dequeue();
                _receivedOffset = 0;
            }
        }
        bool wasFull = _receivedBytes + _reorderBytes > ReceiveCapacity / 2;
        _receivedBytes -= at;
        if (wasFull && _receivedBytes + _reorderBytes <= ReceiveCapacity / 2)
            SendStateLocked(); // the window opened again: tell the peer, which may have stopped sending
        return at;
    }
}

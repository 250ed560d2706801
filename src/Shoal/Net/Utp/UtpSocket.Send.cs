namespace Shoal.Net.Utp;

internal sealed partial class UtpSocket
{
    private long NowMicros() => Ledbat.Micros(_time);

    private UtpHeader Header(UtpType type, ushort seq) => new(type, type == UtpType.Syn ? ReceiveId : SendId, (uint)NowMicros(), _replyMicros,
        (uint)Math.Max(0, ReceiveCapacity - _receivedBytes - _reorderBytes), seq, _ackNr);

    private void SendSynLocked()
    {
        _synSends++;
        var datagram = new byte[UtpPacket.HeaderLength];
        UtpPacket.WriteHeader(datagram, Header(UtpType.Syn, (ushort)(_ackedSeqNr + 1)), UtpHeader.NoSack);
        if (_synSends == 1)
            _seqNr++; // the SYN takes a sequence number; a resent SYN reuses it
        _mux.Send(datagram, Remote);
        _timer.Change(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
    }

    /// <summary>An ack with no data: seq_nr is the next we will send, as uTP's STATE packets carry.</summary>
    private void SendStateLocked()
    {
        byte[] sack = SelectiveAck();
        var datagram = new byte[UtpPacket.HeaderLength + (sack.Length > 0 ? 2 + sack.Length : 0)];
        UtpPacket.WriteHeader(datagram, Header(UtpType.State, _seqNr), sack);
        _ackDue = false;
        _packetsSinceAck = 0;
        _mux.Send(datagram, Remote);
    }

    /// <summary>Sends queued bytes as data packets while the window (ours and the peer's) has room; one packet may always be in flight.</summary>
    private void FlushLocked()
    {
        if (_state != State.Connected)
            return;
        while (_unsentBytes > 0)
        {
            int size = Math.Min(_payloadSize, _unsentBytes);
            double window = Math.Min(_ledbat.Window, _peerWindow);
            if (_inFlightBytes > 0 && _inFlightBytes + size > window)
                break;
            if (_inFlight.Count >= MaxReorder - 1)
                break; // the peer's reorder buffer could not hold more
            var datagram = new byte[UtpPacket.HeaderLength + size];
            TakeUnsent(datagram.AsSpan(UtpPacket.HeaderLength, size));
            var packet = new OutPacket(datagram, size);
            _inFlight[_seqNr] = packet;
            _inFlightBytes += size;
            TransmitLocked(_seqNr, packet, UtpType.Data);
            _seqNr++;
        }
        if (_unsentBytes <= _unsendCapacity / 2)
            WakeWriter(); // room for a good part of a write, not one packet's worth at a time
        ArmTimerLocked();
    }

    private void TransmitLocked(ushort seq, OutPacket packet, UtpType type)
    {
        var header = Header(type, seq);
        UtpPacket.WriteHeader(packet.Datagram, header, UtpHeader.NoSack);
        packet.SentAt = NowMicros();
        packet.Transmissions++;
        _ackDue = false; // the header carries our ack_nr
        _packetsSinceAck = 0;
        _mux.Send(packet.Datagram, Remote);
    }

    private void ResendLocked(ushort seq, OutPacket packet)
    {
        _resent++;
        TransmitLocked(seq, packet, UtpType.Data); // only data packets wait for acks (a FIN is sent once, at close)
    }

    private void TakeUnsent(Span<byte> into)
    {
        int at = 0;
        while (at < into.Length)
        {
            var chunk = _unsent.Peek();
            int n = Math.Min(into.Length - at, chunk.Length - _unsentOffset);
            chunk.AsSpan(_unsentOffset, n).CopyTo(into[at..]);
            at += n;
            _unsentOffset += n;
            if (_unsentOffset == chunk.Length)
            {
                _unsent.Dequeue();
                _unsentOffset = 0;
            }
        }
        _unsentBytes -= into.Length;
    }

    /// <summary>The time-out clock runs while something waits for an ack (or the SYN for its answer).</summary>
    private void ArmTimerLocked()
    {
        if (_state == State.Closed)
            return;
        if (_state == State.Connected && _inFlight.Count == 0)
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        else if (_state == State.Connected)
            _timer.Change(TimeSpan.FromTicks(Math.Min((_rtt.Timeout * (1 << _consecutiveTimeouts)).Ticks, MaxTimeout.Ticks)), Timeout.InfiniteTimeSpan);
    }

    private void OnTimer()
    {
        lock (_gate)
        {
            if (_state == State.Closed)
                return;
            if (_state == State.SynSent)
            {
                if (_synSends >= MaxSynSends)
                    FailLocked(new IOException($"no uTP answer from {Remote} to {MaxSynSends} SYNs"));
                else
                    SendSynLocked();
                return;
            }
            if (_inFlight.Count == 0)
                return;
            if (++_consecutiveTimeouts > MaxConsecutiveTimeouts)
            {
                FailLocked(new IOException($"uTP connection to {Remote} timed out ({StatsLocked})"));
                return;
            }
            // Nothing acked for a whole time-out: the window drops to one packet, and what is still
            // unacked (not selectively acked) is sent again, oldest first, as far as the window before
            // the time-out and the peer's window go (what was in flight then is not on the path now).
            _timeouts++;
            int budget = Math.Max(_payloadSize, (int)Math.Min(_peerWindow, _ledbat.Window));
            _ledbat.OnTimeout();
            _lossWindowEnd = _seqNr;
            foreach (var (seq, packet) in _inFlight.OrderBy(p => (ushort)(p.Key - _ackedSeqNr)))
            {
                if (packet.Sacked)
                    continue;
                if ((budget -= packet.PayloadLength) < 0)
                    break;
                packet.ResentBefore = _seqNr;
                ResendLocked(seq, packet);
            }
            ArmTimerLocked();
        }
    }

    private void FailLocked(Exception error)
    {
        _error ??= error;
        CloseLocked();
    }

    private void CloseLocked()
    {
        if (_state == State.Closed)
            return;
        _state = State.Closed;
        _timer.Dispose();
        // A dial's failure is for whoever awaits Connected; a dialler that gave up (cancelled, then
        // closed us) is no longer there, so the failure is marked seen rather than left to the finalizer.
        if (_connected is { } connected && connected.TrySetException(_error ?? new IOException("the uTP connection closed")))
            _ = connected.Task.Exception;
        WakeReader();
        WakeWriter();
        _mux.Remove(this);
    }

    private void WakeReader() => Interlocked.Exchange(ref _readable, null)?.TrySetResult();

    private void WakeWriter() => Interlocked.Exchange(ref _writable, null)?.TrySetResult();
}

namespace Shoal.Net.Utp;

internal sealed partial class UtpSocket
{
    /// <summary>A packet for this connection, already parsed; <paramref name="receivedAt"/> is our clock in microseconds when it came.</summary>
    public void OnPacket(in UtpHeader header, ReadOnlySpan<byte> sack, ReadOnlySpan<byte> payload, long receivedAt)
    {
        lock (_gate)
        {
            if (_state == State.Closed)
                return;
            if (header.Type == UtpType.Reset)
            {
                FailLocked(new IOException("the peer reset the uTP connection"));
                return;
            }
            if (header.Type == UtpType.Syn)
            {
                SendStateLocked(); // our answer was lost: say it again
                return;
            }
            // An ack of something we never sent is a forged or confused packet.
            if (UtpPacket.Before((ushort)(_seqNr - 1), header.Ack))
                return;
            _replyMicros = (uint)receivedAt - header.Timestamp;
            _peerWindow = header.Window;
            _consecutiveTimeouts = 0;
            if (_state == State.SynSent)
            {
                if (header.Ack != (ushort)(_seqNr - 1))
                    return;
                _state = State.Connected;
                _ackNr = (ushort)(header.Seq - 1); // a STATE carries the seq_nr of the data that will follow
                _connected?.TrySetResult();
            }
            HandleAcksLocked(header, sack, receivedAt);
            switch (header.Type)
            {
                case UtpType.Data:
                    ReceiveDataLocked(header.Seq, payload);
                    break;
                case UtpType.Fin:
                    if (!_eofSeen)
                    {
                        _eofSeen = true;
                        _eofSeqNr = header.Seq;
                    }
                    ReceiveDataLocked(header.Seq, []);
                    break;
            }
            FlushLocked(); // also arms the time-out for what is in flight
        }
    }

    private void HandleAcksLocked(in UtpHeader header, ReadOnlySpan<byte> sack, long now)
    {
        int acked = 0;
        bool windowFull = _inFlightBytes + _payloadSize > _ledbat.Window;
        if (UtpPacket.Before(_ackedSeqNr, header.Ack))
        {
            for (ushort seq = (ushort)(_ackedSeqNr + 1); ; seq++)
            {
                acked += Acknowledge(seq, now);
                if (seq == header.Ack)
                    break;
            }
            _ackedSeqNr = header.Ack;
            _duplicateAcks = 0;
        }
        else if (header.Ack == _ackedSeqNr && header.Type == UtpType.State && _inFlight.Count > 0)
        {
            _duplicateAcks++;
        }
        // Selective acks: bit i of the mask is ack_nr + 2 + i.
        Span<ushort> sacked = stackalloc ushort[sack.Length * 8]; // an extension is at most 255 bytes
        int sackedCount = 0;
        for (int i = 0; i < sack.Length * 8; i++)
        {
            if ((sack[i / 8] & (1 << (i % 8))) == 0)
                continue;
            ushort seq = (ushort)(header.Ack + 2 + i);
            if (!UtpPacket.Before(seq, _seqNr))
                break; // beyond what we sent
            sacked[sackedCount++] = seq;
            if (_inFlight.TryGetValue(seq, out var packet) && !packet.Sacked)
            {
                packet.Sacked = true;
                if (packet.Transmissions == 1)
                    _rtt.Add(now - packet.SentAt);
                acked += packet.PayloadLength;
                _inFlightBytes -= packet.PayloadLength;
            }
        }
        if (acked > 0)
            _ledbat.OnAck(acked, header.TimestampDifference, now, windowFull);
        // Loss: a packet with three or more packets selectively acked after it, or, after three
        // duplicate acks, the oldest one unacked. With fewer than four packets in flight fewer
        // acks can follow a loss, so the threshold drops to what can (early retransmit, RFC 5827).
        // Each lost packet is sent again once this way; a time-out covers the rest.
        ushort oldest = (ushort)(_ackedSeqNr + 1);
        int threshold = Math.Clamp(_inFlight.Count - 1, 1, 3);
        if (sackedCount >= threshold)
        {
            ushort limit = sacked[sackedCount - threshold]; // every packet before this one has enough acked after it
            for (ushort seq = oldest; UtpPacket.Before(seq, limit); seq++)
                ResendIfLost(seq, sacked[sackedCount - 1]);
        }
        else if (_duplicateAcks >= threshold)
        {
            ResendIfLost(oldest);
            _duplicateAcks = 0;
        }
    }

    private void ResendIfLost(ushort seq, ushort? newestAcked = null)
    {
        if (!_inFlight.TryGetValue(seq, out var lost) || lost.Sacked)
            return;
        // Sent again already: only when a packet sent after that resend was acked is it lost again.
        if (lost.ResentBefore is ushort mark && !(newestAcked is ushort newest && !UtpPacket.Before(newest, mark)))
            return;
        lost.ResentBefore = _seqNr;
        if (!UtpPacket.Before(seq, _lossWindowEnd))
        {
            _ledbat.OnLoss(); // once per window of packets, however many of them were lost
            _lossWindowEnd = _seqNr;
        }
        ResendLocked(seq, lost);
    }

    /// <summary>Removes an acknowledged packet; its payload size (0 if it was already counted by a selective ack).</summary>
    private int Acknowledge(ushort seq, long now)
    {
        if (!_inFlight.Remove(seq, out var packet))
            return 0;
        if (packet.Sacked)
            return 0; // counted, and timed, when its selective ack came
        if (packet.Transmissions == 1)
            _rtt.Add(now - packet.SentAt); // only a packet sent once tells which transmission the ack is for
        _inFlightBytes -= packet.PayloadLength;
        return packet.PayloadLength;
    }

    private void ReceiveDataLocked(ushort seq, ReadOnlySpan<byte> payload)
    {
        if (_receivedBytes + _reorderBytes + payload.Length > ReceiveCapacity)
            return; // past the window we advertised: dropped unacknowledged, to come again when there is room
        if (seq == (ushort)(_ackNr + 1))
        {
            Deliver(seq, payload);
            while (_reorder.Remove((ushort)(_ackNr + 1), out var next))
            {
                _reorderBytes -= next.Length;
                Deliver((ushort)(_ackNr + 1), next);
            }
        }
        else if (UtpPacket.Before(_ackNr, seq) && (ushort)(seq - _ackNr) <= MaxReorder && !_reorder.ContainsKey(seq)
            && (!_eofSeen || !UtpPacket.Before(_eofSeqNr, seq)))
        {
            _reorder[seq] = payload.ToArray();
            _reorderBytes += payload.Length;
        }
        if (_reorder.Count > 0 || ++_packetsSinceAck >= AckEvery)
            SendStateLocked(); // a hole: at once, with a selective ack (each is a duplicate ack that tells of a loss)
        else if (!_ackDue)
        {
            _ackDue = true; // in order: one ack for the batch, when the socket has drained
            _mux.DeferAck(this);
        }
    }

    /// <summary>Sends the ack deferred to the end of a batch, unless a data packet carried it already.</summary>
    public void SendDeferredAck()
    {
        lock (_gate)
        {
            if (_ackDue && _state != State.Closed)
                SendStateLocked();
        }
    }

    private void Deliver(ushort seq, ReadOnlySpan<byte> payload)
    {
        _ackNr = seq;
        if (_eofSeen && seq == _eofSeqNr)
        {
            WakeReader();
            return;
        }
        if (payload.IsEmpty)
            return;
        _received.Enqueue(payload.ToArray());
        _receivedBytes += payload.Length;
        WakeReader();
    }

    /// <summary>The selective ack for what waits in the reorder buffer: bit i is ack_nr + 2 + i (empty when nothing waits).</summary>
    private byte[] SelectiveAck()
    {
        if (_reorder.Count == 0)
            return UtpHeader.NoSack;
        int highest = _reorder.Keys.Max(seq => (ushort)(seq - _ackNr - 2));
        var mask = new byte[Math.Min(128, ((highest / 32) + 1) * 4)];
        foreach (ushort seq in _reorder.Keys)
        {
            int bit = (ushort)(seq - _ackNr - 2);
            if (bit < mask.Length * 8)
                mask[bit / 8] |= (byte)(1 << (bit % 8));
        }
        return mask;
    }

    private bool AtEof => _eofSeen && _ackNr == _eofSeqNr;
}

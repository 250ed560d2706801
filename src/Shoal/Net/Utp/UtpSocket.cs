using System.Net;

namespace Shoal.Net.Utp;

/// <summary>
/// One uTP connection (BEP 29): sequence and ack numbers per packet, in-order delivery with a
/// bounded reorder buffer, selective acks both ways, fast resend after three duplicate or
/// selective acks past a packet, retransmission time-outs from the measured round trip, and a
/// window from <see cref="Ledbat"/> capped by the peer's advertised window. Everything runs
/// under one lock; datagrams go out through the multiplexer's UDP socket. Its
/// <see cref="UtpStream"/> is what the peer wire sees.
/// </summary>
internal sealed partial class UtpSocket
{
    /// <summary>Bytes received and not yet read, plus out-of-order packets held, at most: our advertised window.</summary>
    public const int ReceiveCapacity = 1 << 20;
    /// <summary>Packets beyond the next expected one that may wait in the reorder buffer.</summary>
    private const int MaxReorder = 1024;
    private const int MaxConsecutiveTimeouts = 6;
    /// <summary>The longest wait for an ack before sending again, however the time-out doubled.</summary>
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromSeconds(20);
    private const int MaxSynSends = 3;
    /// <summary>In-order data packets acknowledged together at most, even while datagrams keep coming.</summary>
    private const int AckEvery = 4;
    private const int MaxSendWindow = 8 << 20;

    private readonly Lock _gate = new();
    private readonly UtpMux _mux;
    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private readonly Ledbat _ledbat;
    private readonly UtpRtt _rtt = new();
    private readonly int _payloadSize;
    private readonly Dictionary<ushort, OutPacket> _inFlight = [];
    private readonly Dictionary<ushort, byte[]> _reorder = [];
    private readonly Queue<byte[]> _received = new();
    private readonly Queue<byte[]> _unsent = new();
    private State _state;
    private ushort _seqNr;       // the next sequence number we send
    private ushort _ackNr;       // the last sequence number received in order
    private ushort _ackedSeqNr;  // everything up to this one of ours is acknowledged
    private ushort _eofSeqNr;
    private bool _eofSeen;
    private int _inFlightBytes;
    private int _receivedBytes;
    private int _receivedOffset;  // read position in the first of _received
    private int _reorderBytes;
    private int _unsentBytes;
    private int _unsentOffset;
    private int _unsendCapacity = 256 * 1024;
    private uint _peerWindow = ReceiveCapacity;
    private uint _replyMicros;    // the last one-way delay we measured, sent back in every packet
    private int _duplicateAcks;
    private int _resent;
    private int _timeouts;
    private bool _ackDue;
    private int _packetsSinceAck;
    private ushort _lossWindowEnd; // losses before this sequence number count as one (one halving per window)
    private int _consecutiveTimeouts;
    private int _synSends;
    private Exception? _error;
    private TaskCompletionSource? _connected;
    private TaskCompletionSource? _readable;
    private TaskCompletionSource? _writable;

    private enum State
    {
        SynSent,
        Connected,
        Closed,
    }

    private sealed class OutPacket(byte[] datagram, int payloadLength)
    {
        public byte[] Datagram { get; } = datagram;
        public int PayloadLength { get; } = payloadLength;
        public long SentAt { get; set; }
        public int Transmissions { get; set; }
        public bool Sacked { get; set; }
        /// <summary>When it was sent again after a loss: the sequence number sent next then.</summary>
        public ushort? ResentBefore { get; set; }
    }

    private UtpSocket(UtpMux mux, IPEndPoint remote, ushort receiveId, ushort sendId, TimeProvider time, int datagramSize)
    {
        _mux = mux;
        Remote = remote;
        ReceiveId = receiveId;
        SendId = sendId;
        _time = time;
        _payloadSize = datagramSize - UtpPacket.HeaderLength;
        _ledbat = new Ledbat(_payloadSize, MaxSendWindow);
        _timer = time.CreateTimer(_ => OnTimer(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public IPEndPoint Remote { get; }
    public ushort ReceiveId { get; }
    public ushort SendId { get; }

    /// <summary>Window, queueing delay, round trip, bytes in flight and losses: said when a connection times out.</summary>
    private string StatsLocked => $"window {_ledbat.Window:F0} B, queueing {_ledbat.QueueingDelay / 1000.0:F1} ms, rtt {_rtt.RttMicros / 1000.0:F1} ms, in flight {_inFlightBytes} B, peer window {_peerWindow} B, resent {_resent}, time-outs {_timeouts}";

    /// <summary>Whether everything written was sent and acknowledged.</summary>
    public bool AllAcknowledged
    {
        get
        {
            lock (_gate)
                return _inFlight.Count == 0 && _unsentBytes == 0;
        }
    }

    /// <summary>A connection we dial: SYN sent with our receive id; connected when the peer's STATE acks it.</summary>
    public static UtpSocket Dial(UtpMux mux, IPEndPoint remote, ushort receiveId, TimeProvider time, int datagramSize, ushort firstSeq)
    {
        var socket = new UtpSocket(mux, remote, receiveId, (ushort)(receiveId + 1), time, datagramSize)
        {
            _state = State.SynSent,
            _connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously),
        };
        lock (socket._gate)
        {
            socket._seqNr = firstSeq;
            socket._ackedSeqNr = (ushort)(firstSeq - 1);
            socket.SendSynLocked();
        }
        return socket;
    }

    /// <summary>A connection a peer's SYN opened: we answer with a STATE and are connected at once.</summary>
    public static UtpSocket Accept(UtpMux mux, IPEndPoint remote, in UtpHeader syn, TimeProvider time, int datagramSize, ushort firstSeq)
    {
        var socket = new UtpSocket(mux, remote, (ushort)(syn.ConnectionId + 1), syn.ConnectionId, time, datagramSize)
        {
            _state = State.Connected,
        };
        lock (socket._gate)
        {
            socket._seqNr = firstSeq;
            socket._ackedSeqNr = (ushort)(firstSeq - 1);
            socket._ackNr = syn.Seq;
            socket.SendStateLocked();
        }
        return socket;
    }

    /// <summary>Completes when the dialled connection is up; throws when the peer never answers.</summary>
    public Task Connected => _connected?.Task ?? Task.CompletedTask;
}

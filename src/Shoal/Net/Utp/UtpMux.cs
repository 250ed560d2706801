using System.Net;
using System.Security.Cryptography;

namespace Shoal.Net.Utp;

/// <summary>
/// The uTP connections on the client's UDP sockets: datagrams that look like uTP (the DHT's
/// start with 'd') are parsed and routed by sender and connection id; a SYN from someone new
/// opens a connection when we listen and have room (in all, and for that address). Malformed
/// packets and packets for no connection are dropped without an answer (no reflection to forged
/// senders).
/// </summary>
internal sealed class UtpMux
{
    /// <summary>The most uTP connections at once, both directions.</summary>
    public const int MaxConnections = 2000;
    /// <summary>The most connections one address may open to us (a SYN flood from one host stops there).</summary>
    public const int MaxPerAddress = 64;
    private readonly UdpEndpoint _udp;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<(IPEndPoint, ushort), UtpSocket> _sockets = [];
    private readonly HashSet<UtpSocket> _ackDue = [];
    private Action<UtpSocket>? _accept;
    private long _dropped;
    private long _sendFailures;

    /// <summary>Datagrams the UDP socket would not take (a full send buffer, an unreachable network).</summary>
    public long SendFailures => Interlocked.Read(ref _sendFailures);

    public UtpMux(UdpEndpoint udp, TimeProvider time)
    {
        _udp = udp;
        _time = time;
        udp.AddReceiver(UtpPacket.Claims, OnDatagram, SendDeferredAcks);
    }

    /// <summary>Datagrams dropped: malformed, or for no connection.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public int Count
    {
        get
        {
            lock (_gate)
                return _sockets.Count;
        }
    }

    /// <summary>Accept connections from now on; each new one goes to <paramref name="accept"/>.</summary>
    public void Listen(Action<UtpSocket> accept) => _accept = accept;

    /// <summary>
    /// The datagram size for a peer. Over loopback: a whole Ethernet-sized frame (libtorrent reads
    /// at most 1,500 bytes). Elsewhere 1,400 bytes, which crosses PPPoE, most tunnels and VPNs
    /// without IP fragmentation (a lost fragment loses the whole datagram).
    /// </summary>
    public static int DatagramSizeFor(IPEndPoint remote)
    {
        bool v6 = remote.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        if (IPAddress.IsLoopback(remote.Address))
            return v6 ? 1500 - 40 - 8 : 1500 - 20 - 8;
        return 1400;
    }

    /// <summary>Starts a connection to <paramref name="remote"/> (await <see cref="UtpSocket.Connected"/>).</summary>
    public UtpSocket Dial(IPEndPoint remote)
    {
        if (!_udp.CanReach(remote))
            throw new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.AddressFamilyNotSupported);
        lock (_gate)
        {
            if (_sockets.Count >= MaxConnections)
                throw new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.TooManyOpenSockets);
            ushort id;
            do
                id = (ushort)RandomNumberGenerator.GetInt32(65536);
            while (_sockets.ContainsKey((remote, id)) || _sockets.ContainsKey((remote, (ushort)(id + 1))));
            var socket = UtpSocket.Dial(this, remote, id, _time, DatagramSizeFor(remote), (ushort)RandomNumberGenerator.GetInt32(65536));
            _sockets[(remote, id)] = socket;
            return socket;
        }
    }

    /// <summary>For tests: return false to lose an outgoing datagram on purpose.</summary>
    public Func<ReadOnlyMemory<byte>, bool>? SendFilter { get; set; }

    public void Send(byte[] datagram, IPEndPoint to)
    {
        if (SendFilter is { } keep && !keep(datagram))
            return;
        if (!_udp.Send(datagram, to))
            Interlocked.Increment(ref _sendFailures);
    }

    public void Remove(UtpSocket socket)
    {
        lock (_gate)
        {
            if (_sockets.TryGetValue((socket.Remote, socket.ReceiveId), out var registered) && registered == socket)
                _sockets.Remove((socket.Remote, socket.ReceiveId));
        }
    }

    private long NowMicros() => Ledbat.Micros(_time);

    /// <summary>A connection has an ack to send once the datagrams queued now are handled.</summary>
    public void DeferAck(UtpSocket socket)
    {
        lock (_ackDue)
            _ackDue.Add(socket);
    }

    /// <summary>The UDP socket has nothing more queued: one ack per connection for the whole batch.</summary>
    private void SendDeferredAcks()
    {
        UtpSocket[] due;
        lock (_ackDue)
        {
            if (_ackDue.Count == 0)
                return;
            due = [.. _ackDue];
            _ackDue.Clear();
        }
        foreach (var socket in due)
            socket.SendDeferredAck();
    }

    private void OnDatagram(ReadOnlyMemory<byte> datagram, IPEndPoint from, IPAddress local)
    {
        long now = NowMicros();
        if (!UtpPacket.TryParse(datagram.Span, out var header, out var sack, out int payloadAt, out _))
        {
            Interlocked.Increment(ref _dropped);
            return;
        }
        UtpSocket? socket;
        UtpSocket? accepted = null;
        lock (_gate)
        {
            if (header.Type == UtpType.Syn)
            {
                var key = (from, (ushort)(header.ConnectionId + 1));
                if (!_sockets.TryGetValue(key, out socket) && _accept is not null && _sockets.Count < MaxConnections
                    && _sockets.Keys.Count(k => k.Item1.Address.Equals(from.Address)) < MaxPerAddress)
                {
                    accepted = UtpSocket.Accept(this, from, header, _time, DatagramSizeFor(from), (ushort)RandomNumberGenerator.GetInt32(65536));
                    _sockets[key] = accepted;
                }
            }
            else
            {
                _sockets.TryGetValue((from, header.ConnectionId), out socket);
            }
        }
        if (accepted is not null)
        {
            _accept!(accepted);
            return;
        }
        if (socket is null)
        {
            Interlocked.Increment(ref _dropped);
            return;
        }
        socket.OnPacket(header, sack, datagram.Span[payloadAt..], now);
    }
}

using System.Net;
using System.Net.Sockets;

namespace Shoal.Net;

/// <summary>
/// The client's UDP sockets: one per listening address, all on one port (by default the TCP
/// listener's number). Every datagram goes to the first receiver that claims it by its first
/// bytes: KRPC (the DHT) starts with 'd'; uTP will claim its own. Addresses arrive normalized
/// (IPv4-mapped IPv6 as IPv4). Sending picks the socket of the destination's family. A receiver
/// may also ask to hear when a socket has nothing more queued, to send what it deferred per batch.
/// </summary>
internal sealed class UdpEndpoint : IAsyncDisposable
{
    public const int MaxDatagram = 65_507;
    private readonly List<Socket> _sockets = [];
    private readonly List<(Func<ReadOnlySpan<byte>, bool> Claims, DatagramHandler Receive)> _receivers = [];
    private readonly List<Action> _drained = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Thread> _loops = [];
    private int _disposed;

    /// <summary>The endpoints bound by <see cref="Bind"/>.</summary>
    public IReadOnlyList<IPEndPoint> LocalEndPoints { get; private set; } = [];
    public int Port { get; private set; }

    /// <summary>A receiver threw on a datagram (a bug): the loop goes on; this says what happened.</summary>
    public event Action<Exception>? ReceiverFailed;

    /// <summary>Binds every address on <paramref name="port"/> (0 picks a free one); returns the port. Throws when it is taken, with nothing left bound.</summary>
    public int Bind(IReadOnlyList<IPAddress> addresses, int port)
    {
        var (sockets, endPoints, bound) = PortBinding.Bind(addresses, port, SocketType.Dgram, ProtocolType.Udp, setUp: socket =>
        {
            // Which of our addresses a datagram came to: the DHT names it when it lists us as a peer.
            if (socket.AddressFamily == AddressFamily.InterNetwork || socket.DualMode)
                socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.PacketInformation, true);
            if (socket.AddressFamily == AddressFamily.InterNetworkV6)
                socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.PacketInformation, true);
            socket.ReceiveBufferSize = 4 << 20; // uTP bursts a window at a time (the kernel caps it at net.core.rmem_max)
            socket.SendBufferSize = 4 << 20;
            // A send never waits: over loopback a datagram holds our send buffer until the other side
            // reads it, and a sender blocked under a connection's lock could stall both sides' loops.
            // A datagram that does not fit is lost, as UDP may lose any; uTP and the DHT send it again.
            socket.Blocking = false;
        });
        _sockets.AddRange(sockets);
        LocalEndPoints = endPoints;
        Port = bound;
        return bound;
    }

    /// <summary>Registers a receiver for the datagrams <paramref name="claims"/> recognises (before <see cref="Start"/>).</summary>
    public void AddReceiver(Func<ReadOnlySpan<byte>, bool> claims, DatagramHandler receive, Action? drained = null)
    {
        _receivers.Add((claims, receive));
        if (drained is not null)
            _drained.Add(drained);
    }

    public void Start()
    {
        foreach (var socket in _sockets)
        {
            var thread = new Thread(() => ReceiveLoop(socket)) { IsBackground = true, Name = "Shoal UDP " + socket.LocalEndPoint };
            _loops.Add(thread);
            thread.Start();
        }
    }

    /// <summary>Sends one datagram; false when no socket can reach that family or the send failed.</summary>
    public bool Send(ReadOnlySpan<byte> datagram, IPEndPoint to)
    {
        var socket = SocketFor(to);
        if (socket is null)
            return false;
        try
        {
            socket.SendTo(datagram, SocketFlags.None, to);
            return true;
        }
        catch (SocketException)
        {
            return false; // unreachable, or the buffer is full (would block): UDP may lose it anyway
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>Whether a datagram can go to <paramref name="to"/>'s family.</summary>
    public bool CanReach(IPEndPoint to) => SocketFor(to) is not null;

    private Socket? SocketFor(IPEndPoint to)
    {
        foreach (var socket in _sockets)
        {
            if (socket.AddressFamily == to.AddressFamily || (socket.DualMode && to.AddressFamily == AddressFamily.InterNetwork))
                return socket;
        }
        return null;
    }

    /// <summary>
    /// One thread per socket, off the thread pool: wait until datagrams are queued, then take all
    /// of them, then tell the receivers that asked that the socket is drained. (As a pool loop it
    /// held a pool thread while busy and starved the readers and writers it feeds.)
    /// </summary>
    private void ReceiveLoop(Socket socket)
    {
        var buffer = new byte[MaxDatagram];
        EndPoint any = socket.AddressFamily == AddressFamily.InterNetworkV6 ? new IPEndPoint(IPAddress.IPv6Any, 0) : new IPEndPoint(IPAddress.Any, 0);
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                if (!socket.Poll(TimeSpan.FromMilliseconds(250), SelectMode.SelectRead))
                    continue;
                while (!_stopping.IsCancellationRequested && ReceiveOne(socket, buffer, any))
                {
                }
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            if (_drained.Count > 0)
                Drained(); // nothing more queued: what was deferred per batch (uTP's acks) goes out now
        }
    }

    /// <summary>Takes one datagram and hands it to the receiver that claims it; false when none is queued.</summary>
    private bool ReceiveOne(Socket socket, byte[] buffer, EndPoint any)
    {
        int received;
        IPPacketInformation packet;
        EndPoint remote = any;
        try
        {
            var flags = SocketFlags.None;
            received = socket.ReceiveMessageFrom(buffer, ref flags, ref remote, out packet);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
        {
            return false;
        }
        catch (SocketException)
        {
            return true; // an ICMP error from an earlier send: nothing to do with this socket
        }
        var from = EndPoints.Normalize((IPEndPoint)remote);
        var local = packet.Address;
        local = local is null ? IPAddress.Any : local.IsIPv4MappedToIPv6 ? local.MapToIPv4() : local;
        var datagram = buffer.AsMemory(0, received);
        foreach (var (claims, receive) in _receivers)
        {
            if (!claims(datagram.Span))
                continue;
            try
            {
                receive(datagram, from, local);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                ReceiverFailed?.Invoke(e); // a bug of ours on one datagram must not leave the socket deaf
            }
            break;
        }
        return true;
    }

    private void Drained()
    {
        foreach (var drained in _drained)
        {
            try
            {
                drained();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                ReceiverFailed?.Invoke(e);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var socket in _sockets)
            socket.Dispose();
        await Task.Run(() =>
        {
            foreach (var loop in _loops)
                loop.Join(); // each wakes within its poll interval and sees the sockets closed
        }).ConfigureAwait(false);
        _stopping.Dispose();
    }
}

using System.Collections.Concurrent;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Security.Cryptography;
using Shoal.Metainfo;

namespace Shoal.Discovery;

/// <summary>
/// The client's local service discovery (BEP 14): one UDP socket per family on port 6771, in the
/// multicast group on every interface that is up and can multicast (joined again before each
/// announce, so an interface that appears later is used); announces go out on each such interface
/// we listen on, with a cookie so our own are ignored when they loop back. Announces heard are
/// handed to the torrent registered for their info-hash.
/// </summary>
internal sealed class LsdService : ILocalDiscovery, IAsyncDisposable
{
    private readonly LsdOptions _options;
    private readonly IReadOnlyList<IPAddress> _listen;
    private readonly ConcurrentDictionary<InfoHash, Action<IPEndPoint>> _torrents = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _loops = [];
    private readonly Lock _gate = new();
    private Socket? _socket4;
    private Socket? _socket6;
    private long _received;
    private long _sent;

    public LsdService(LsdOptions options, IReadOnlyList<IPAddress> listenAddresses)
    {
        _options = options;
        _listen = listenAddresses;
        Cookie = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
    }

    /// <summary>Ours, in every announce: an announce carrying it came back to us by multicast loopback.</summary>
    public string Cookie { get; }
    public long AnnouncesReceived => Interlocked.Read(ref _received);
    public long AnnouncesSent => Interlocked.Read(ref _sent);

    /// <summary>Opens the sockets (a family that cannot is left out) and starts listening; <paramref name="owner"/> owns the receive loops.</summary>
    public void Start(Supervision.TaskOwner owner)
    {
        if (_listen.Any(a => a.AddressFamily == AddressFamily.InterNetwork || a.Equals(IPAddress.IPv6Any)))
            _socket4 = Open(AddressFamily.InterNetwork);
        if (_listen.Any(a => a.AddressFamily == AddressFamily.InterNetworkV6))
            _socket6 = Open(AddressFamily.InterNetworkV6);
        JoinGroups(Interfaces());
        foreach (var socket in new[] { _socket4, _socket6 })
        {
            if (socket is not null)
            {
                var loop = Task.Run(() => ReceiveLoopAsync(socket));
                owner.Own($"the LSD receive loop ({socket.AddressFamily})", loop);
                _loops.Add(loop);
            }
        }
    }

    private Socket? Open(AddressFamily family)
    {
        var socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true); // other clients on this host listen too
            if (family == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = false;
                socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastTimeToLive, _options.TimeToLive);
                socket.Bind(new IPEndPoint(IPAddress.IPv6Any, _options.Port));
            }
            else
            {
                socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, _options.TimeToLive);
                socket.Bind(new IPEndPoint(IPAddress.Any, _options.Port));
            }
            socket.MulticastLoopback = true; // another client on this machine hears us; our cookie filters our own
            return socket;
        }
        catch (SocketException)
        {
            socket.Dispose();
            return null; // the family is not available here: LSD goes without it
        }
    }

    /// <summary>The interfaces to announce on: up, multicast-capable, not loopback, and holding an address we listen on (any, when we listen on all).</summary>
    private List<(int Index, IPAddress? Address4, bool Has6)> Interfaces()
    {
        bool all4 = _listen.Any(a => a.Equals(IPAddress.Any) || a.Equals(IPAddress.IPv6Any));
        bool all6 = _listen.Any(a => a.Equals(IPAddress.IPv6Any));
        var found = new List<(int, IPAddress?, bool)>();
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (nic.OperationalStatus != OperationalStatus.Up || !nic.SupportsMulticast || nic.NetworkInterfaceType == NetworkInterfaceType.Loopback)
                continue;
            var properties = nic.GetIPProperties();
            var addresses = properties.UnicastAddresses.Select(u => u.Address).ToList();
            var v4 = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && (all4 || _listen.Contains(a)));
            bool v6 = addresses.Any(a => a.AddressFamily == AddressFamily.InterNetworkV6 && (all6 || _listen.Contains(a)));
            int index = v6 ? properties.GetIPv6Properties().Index : properties.GetIPv4Properties()?.Index ?? -1;
            if (v4 is not null || v6)
                found.Add((index, v4, v6));
        }
        return found;
    }

    private void JoinGroups(List<(int Index, IPAddress? Address4, bool Has6)> interfaces)
    {
        foreach (var (index, address4, has6) in interfaces)
        {
            try
            {
                if (address4 is not null)
                    _socket4?.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(LsdOptions.Group4, address4));
            }
            catch (SocketException)
            {
                // already a member there
            }
            try
            {
                if (has6)
                    _socket6?.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.AddMembership, new IPv6MulticastOption(LsdOptions.Group6, index));
            }
            catch (SocketException)
            {
            }
        }
    }

    public void Register(InfoHash infoHash, Action<IPEndPoint> found) => _torrents[infoHash] = found;

    public void Unregister(InfoHash infoHash) => _torrents.TryRemove(infoHash, out _);

    /// <summary>Announces <paramref name="hashes"/> (at most 20 a datagram) with our <paramref name="port"/> on every interface.</summary>
    public int Announce(IReadOnlyList<InfoHash> hashes, int port)
    {
        int sent = 0;
        lock (_gate)
        {
            var interfaces = Interfaces(); // listed once an announce: joined where new, then sent on each
            JoinGroups(interfaces);
            foreach (var chunk in hashes.Chunk(LsdMessage.HashesPerAnnounce))
            {
                var message = new LsdMessage(port, chunk, Cookie);
                foreach (var (index, address4, has6) in interfaces)
                {
                    if (address4 is not null && _socket4 is not null)
                        sent += Send(_socket4, message, SocketOptionLevel.IP, address4.GetAddressBytes(), new IPEndPoint(LsdOptions.Group4, _options.Port));
                    if (has6 && _socket6 is not null)
                        sent += Send(_socket6, message, SocketOptionLevel.IPv6, index, new IPEndPoint(LsdOptions.Group6, _options.Port));
                }
            }
        }
        Interlocked.Add(ref _sent, sent);
        return sent;
    }

    private static int Send(Socket socket, LsdMessage message, SocketOptionLevel level, object outgoing, IPEndPoint group)
    {
        try
        {
            if (outgoing is byte[] address)
                socket.SetSocketOption(level, SocketOptionName.MulticastInterface, address);
            else
                socket.SetSocketOption(level, SocketOptionName.MulticastInterface, (int)outgoing);
            string host = group.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{group.Address}]:{group.Port}" : group.ToString();
            socket.SendTo(message.Encode(host), group);
            return 1;
        }
        catch (SocketException)
        {
            return 0; // the interface went away between listing and sending
        }
    }

    private async Task ReceiveLoopAsync(Socket socket)
    {
        var buffer = new byte[LsdMessage.MaxLength + 1];
        EndPoint any = socket.AddressFamily == AddressFamily.InterNetworkV6 ? new IPEndPoint(IPAddress.IPv6Any, 0) : new IPEndPoint(IPAddress.Any, 0);
        while (!_stopping.IsCancellationRequested)
        {
            SocketReceiveFromResult result;
            try
            {
                result = await socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }
            LsdMessage message;
            try
            {
                message = LsdMessage.Parse(buffer.AsSpan(0, result.ReceivedBytes));
            }
            catch (FormatException)
            {
                continue;
            }
            if (message.Cookie == Cookie)
                continue;
            Interlocked.Increment(ref _received);
            var from = (IPEndPoint)result.RemoteEndPoint;
            var peer = new IPEndPoint(from.Address.IsIPv4MappedToIPv6 ? from.Address.MapToIPv4() : from.Address, message.Port);
            foreach (var hash in message.InfoHashes)
            {
                if (_torrents.TryGetValue(hash, out var found))
                    found(peer);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
            return;
        await _stopping.CancelAsync().ConfigureAwait(false);
        _socket4?.Dispose();
        _socket6?.Dispose();
        foreach (var loop in _loops)
            await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing); // their owner looks at how they ended
    }
}

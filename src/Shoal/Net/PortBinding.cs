using System.Net;
using System.Net.Sockets;

namespace Shoal.Net;

/// <summary>
/// Binds one socket per listening address, all on one port number (0: the first takes a free one
/// and the others share it); an IPv6 "any" address is dual-mode. On failure nothing is left bound.
/// TCP (the listener) and UDP (the DHT, later uTP) both bind this way.
/// </summary>
internal static class PortBinding
{
    /// <summary>Binds <paramref name="type"/>/<paramref name="protocol"/> sockets on each of <paramref name="addresses"/> at <paramref name="port"/>.</summary>
    /// <param name="addresses">Where to listen.</param>
    /// <param name="port">The port number, or 0 for any free one (the same for all).</param>
    /// <param name="type">Stream or datagram.</param>
    /// <param name="protocol">TCP or UDP.</param>
    /// <param name="setUp">Options set before each bind.</param>
    /// <param name="bound">Runs right after each bind (a TCP listener listens).</param>
    public static (List<Socket> Sockets, List<IPEndPoint> EndPoints, int Port) Bind(IReadOnlyList<IPAddress> addresses, int port,
        SocketType type, ProtocolType protocol, Action<Socket>? setUp = null, Action<Socket>? bound = null)
    {
        var sockets = new List<Socket>();
        var endPoints = new List<IPEndPoint>();
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, type, protocol);
            try
            {
                if (address.AddressFamily == AddressFamily.InterNetworkV6)
                    socket.DualMode = address.Equals(IPAddress.IPv6Any);
                setUp?.Invoke(socket);
                socket.Bind(new IPEndPoint(address, port));
                bound?.Invoke(socket);
            }
            catch
            {
                // Leave nothing half bound: the caller may try again on another port.
                socket.Dispose();
                sockets.ForEach(s => s.Dispose());
                throw;
            }
            port = ((IPEndPoint)socket.LocalEndPoint!).Port; // later addresses share the first's port
            sockets.Add(socket);
            endPoints.Add(new IPEndPoint(address, port));
        }
        return (sockets, endPoints, port);
    }
}

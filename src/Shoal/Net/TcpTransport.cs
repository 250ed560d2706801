using System.Net;
using System.Net.Sockets;

namespace Shoal.Net;

/// <summary>Plain TCP: dials with Nagle off and accepts on the client's listening addresses.</summary>
internal sealed class TcpTransport : ITransport
{
    private readonly List<Socket> _listeners = [];

    public string Name => "tcp";

    /// <summary>The endpoints bound by <see cref="Bind"/>.</summary>
    public IReadOnlyList<IPEndPoint> LocalEndPoints { get; private set; } = [];

    /// <summary>Binds every address on one port (0 picks a free one); returns that port. Throws when it is taken, with nothing left bound.</summary>
    public int Bind(IReadOnlyList<IPAddress> addresses, int port)
    {
        var (sockets, endPoints, bound) = PortBinding.Bind(addresses, port, SocketType.Stream, ProtocolType.Tcp, bound: s => s.Listen(128));
        _listeners.AddRange(sockets);
        LocalEndPoints = endPoints;
        return bound;
    }

    public async Task<PeerStream> ConnectAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
            return new TcpPeerStream(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public Task StartListening(Action<PeerStream> incoming, CancellationToken cancellationToken) =>
        Task.WhenAll(_listeners.Select(listener => AcceptLoopAsync(listener, incoming, cancellationToken)));

    /// <summary>
    /// Accepts until cancelled or disposed. A connection that dies before it is accepted is
    /// skipped; errors of the listener itself (out of descriptors, say) are waited out, longer
    /// each time up to a second, so that the loop neither spins nor dies of a passing shortage.
    /// </summary>
    private static async Task AcceptLoopAsync(Socket listener, Action<PeerStream> incoming, CancellationToken token)
    {
        await Task.Yield();
        int failures = 0;
        while (!token.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(token).ConfigureAwait(false);
                failures = 0;
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
            {
                continue; // a connection that died before accept
            }
            catch (SocketException)
            {
                failures++;
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, 10 << Math.Min(failures, 7))), token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                continue;
            }
            PeerStream stream;
            try
            {
                stream = new TcpPeerStream(socket);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                socket.Dispose(); // gone before we could read its address
                continue;
            }
            incoming(stream);
        }
    }

    public ValueTask DisposeAsync()
    {
        foreach (var listener in _listeners)
            listener.Dispose();
        _listeners.Clear();
        return ValueTask.CompletedTask;
    }
}

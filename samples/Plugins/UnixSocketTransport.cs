using System.Net;
using System.Net.Sockets;
using Shoal.Net;

namespace Plugins;

/// <summary>
/// A transport of our own: peers on the same machine (containers sharing a folder, say) reached
/// through Unix domain sockets, one per listening peer, named after the address others dial it
/// at (ADDRESS-PORT.sock in a shared folder). A peer with no socket there is not ours to reach:
/// the dial fails at once and the engine goes on to its next transport (TCP).
/// </summary>
public sealed class UnixSocketTransport(string folder, IPEndPoint listenAs) : ITransport
{
    private Socket? _listener;

    public string Name => "unix";

    public static string PathOf(string folder, IPEndPoint endPoint) => Path.Combine(folder, $"{endPoint.Address}-{endPoint.Port}.sock");

    public async Task<PeerStream> ConnectAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        string path = PathOf(folder, endPoint);
        if (!File.Exists(path))
            throw new SocketException((int)SocketError.ConnectionRefused);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
            return new UnixPeerStream(socket, endPoint);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public async Task StartListening(Action<PeerStream> incoming, CancellationToken cancellationToken)
    {
        string path = PathOf(folder, listenAs);
        File.Delete(path);
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(path));
        _listener.Listen(64);
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            // Who dialled is not in a Unix socket's address: the peer says its port in its extension handshake.
            incoming(new UnixPeerStream(socket, new IPEndPoint(IPAddress.Loopback, 0)));
        }
    }

    public ValueTask DisposeAsync()
    {
        _listener?.Dispose();
        File.Delete(PathOf(folder, listenAs));
        return ValueTask.CompletedTask;
    }

    private sealed class UnixPeerStream(Socket socket, IPEndPoint remote) : PeerStream
    {
        private int _closed;

        public override IPEndPoint RemoteEndPoint => remote;

        public override PeerTransport Transport { get; } = new("unix");

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
            socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            int sent = 0;
            while (sent < data.Length)
                sent += await socket.SendAsync(data[sent..], SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }

        public override void Close()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0)
                socket.Dispose();
        }
    }
}

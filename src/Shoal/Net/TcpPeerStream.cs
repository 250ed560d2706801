using System.Net;
using System.Net.Sockets;

namespace Shoal.Net;

/// <summary>A peer stream over a connected TCP socket.</summary>
internal sealed class TcpPeerStream : PeerStream
{
    private const int TcpNotSentLowAt = 25; // Linux TCP_NOTSENT_LOWAT
    private readonly Socket _socket;
    private int _backlog = -1;
    private int _closed;

    public TcpPeerStream(Socket socket)
    {
        _socket = socket;
        _socket.NoDelay = true;
        RemoteEndPoint = EndPoints.Normalize((IPEndPoint)socket.RemoteEndPoint!);
        SetSendBacklog(DefaultBacklog);
    }

    /// <summary>Unsent bytes the kernel keeps before a write waits, until the rate is known.</summary>
    public const int DefaultBacklog = 64 * 1024;

    public override IPEndPoint RemoteEndPoint { get; }

    public override PeerTransport Transport => PeerTransport.Tcp;

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
        _socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        int sent = 0;
        while (sent < data.Length)
            sent += await _socket.SendAsync(data[sent..], SocketFlags.None, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sets TCP_NOTSENT_LOWAT: the kernel takes more only while fewer than this many bytes wait
    /// unsent, so a control message written now goes out after at most that much data.
    /// </summary>
    public override void SetSendBacklog(int bytes)
    {
        if (!OperatingSystem.IsLinux() || bytes == _backlog)
            return;
        try
        {
            _socket.SetRawSocketOption((int)SocketOptionLevel.Tcp, TcpNotSentLowAt, BitConverter.GetBytes(bytes));
            _backlog = bytes;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    public override void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
            return;
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        _socket.Dispose();
    }
}

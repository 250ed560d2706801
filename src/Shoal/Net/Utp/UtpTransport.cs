using System.Net;

namespace Shoal.Net.Utp;

/// <summary>uTP as a transport: dialled connections wait for the peer's answer to the SYN; accepted ones go to the incoming router.</summary>
internal sealed class UtpTransport(UtpMux mux) : ITransport
{
    public string Name => "utp";

    /// <summary>uTP has this long to answer before TCP is dialled beside it.</summary>
    public TimeSpan? RaceAfter => ShoalClient.UtpHeadStart;

    public bool LastOnOurSite => true;

    public async Task<PeerStream> ConnectAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        var socket = mux.Dial(EndPoints.Normalize(endPoint));
        try
        {
            await socket.Connected.WaitAsync(cancellationToken).ConfigureAwait(false);
            return new UtpStream(socket);
        }
        catch
        {
            socket.Close();
            throw;
        }
    }

    /// <summary>Accepting is the UDP sockets' receive loops (which outlive a failing datagram); nothing of its own to own.</summary>
    public Task StartListening(Action<PeerStream> incoming, CancellationToken cancellationToken)
    {
        mux.Listen(socket => incoming(new UtpStream(socket)));
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>A uTP connection as the peer wire's byte stream.</summary>
internal sealed class UtpStream(UtpSocket socket) : PeerStream
{
    public UtpSocket Socket => socket;

    public override IPEndPoint RemoteEndPoint => socket.Remote;

    public override PeerTransport Transport => PeerTransport.Utp;

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken) => socket.ReadAsync(buffer, cancellationToken);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => socket.WriteAsync(data, cancellationToken);

    public override void SetSendBacklog(int bytes) => socket.SetSendBacklog(bytes);

    public override void Close() => socket.Close();
}

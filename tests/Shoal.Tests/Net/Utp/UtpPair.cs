using System.Net;
using Shoal.Net;
using Shoal.Net.Utp;

namespace Shoal.Tests.Net.Utp;

/// <summary>Two uTP multiplexers on their own UDP sockets on 127.0.0.1; B listens.</summary>
internal sealed class UtpPair : IAsyncDisposable
{
    private readonly UdpEndpoint _udpA = new();
    private readonly UdpEndpoint _udpB = new();
    public UtpMux A { get; }
    public UtpMux B { get; }
    public System.Threading.Channels.Channel<UtpSocket> Accepted { get; } = System.Threading.Channels.Channel.CreateUnbounded<UtpSocket>();
    public IPEndPoint AddressB { get; }

    /// <summary>Exceptions thrown while handling a datagram (bugs): a test asserts there are none.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<Exception> Errors { get; } = new();

    public UtpPair(TimeProvider? time = null)
    {
        _udpA.Bind([IPAddress.Loopback], 0);
        int port = _udpB.Bind([IPAddress.Loopback], 0);
        A = new UtpMux(_udpA, time ?? TimeProvider.System);
        B = new UtpMux(_udpB, time ?? TimeProvider.System);
        B.Listen(s => Accepted.Writer.TryWrite(s));
        _udpA.ReceiverFailed += e => Errors.Enqueue(e);
        _udpB.ReceiverFailed += e => Errors.Enqueue(e);
        _udpA.Start();
        _udpB.Start();
        AddressB = new IPEndPoint(IPAddress.Loopback, port);
    }

    /// <summary>A dials B; both ends once connected.</summary>
    public async Task<(UtpSocket Dialled, UtpSocket Accepted)> ConnectAsync(CancellationToken token)
    {
        var dialled = A.Dial(AddressB);
        await dialled.Connected.WaitAsync(token);
        return (dialled, await Accepted.Reader.ReadAsync(token));
    }

    public async ValueTask DisposeAsync()
    {
        await _udpA.DisposeAsync();
        await _udpB.DisposeAsync();
    }
}

using System.Net;

namespace Shoal.Net;

/// <summary>A way to reach peers: dials out and delivers incoming streams to the router.</summary>
internal interface ITransport : IAsyncDisposable
{
    string Name { get; }

    /// <summary>Dials <paramref name="endPoint"/>; throws <see cref="System.Net.Sockets.SocketException"/>, <see cref="IOException"/> or cancellation on failure.</summary>
    Task<PeerStream> ConnectAsync(IPEndPoint endPoint, CancellationToken cancellationToken);

    /// <summary>
    /// Starts accepting; each new stream is handed to <paramref name="incoming"/>. Returns what
    /// accepts, to be owned by the caller: it ends when <paramref name="cancellationToken"/> is
    /// cancelled or the transport disposed, and ends in an exception only when it can accept no more.
    /// </summary>
    Task StartListening(Action<PeerStream> incoming, CancellationToken cancellationToken);
}

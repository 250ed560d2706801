using System.Net;

namespace Shoal.Net;

/// <summary>
/// A way to reach peers (TCP, uTP, or one of yours, added with <see cref="ShoalClient.AddTransport"/>):
/// it dials out and hands the streams it accepts to the client, which sniffs and routes them like
/// any other. One dial strategy serves every transport: they are tried in order, a transport with
/// <see cref="RaceAfter"/> races the next one after its head start, and a peer that answered only
/// over a later transport is dialled over that one first for an hour.
/// </summary>
public interface ITransport : IAsyncDisposable
{
    /// <summary>A short name for logs ("tcp", "utp").</summary>
    string Name { get; }

    /// <summary>Dials <paramref name="endPoint"/>; throws <see cref="System.Net.Sockets.SocketException"/>, <see cref="IOException"/> or cancellation on failure (the next transport is tried).</summary>
    Task<PeerStream> ConnectAsync(IPEndPoint endPoint, CancellationToken cancellationToken);

    /// <summary>
    /// Starts accepting; each new stream is handed to <paramref name="incoming"/>. Returns what
    /// accepts, to be owned by the caller: it ends when <paramref name="cancellationToken"/> is
    /// cancelled or the transport disposed, and ends in an exception only when it can accept no more.
    /// </summary>
    Task StartListening(Action<PeerStream> incoming, CancellationToken cancellationToken);

    /// <summary>When set and another transport follows this one, that one is dialled beside it once this has not connected within the time (a race; the first stream wins).</summary>
    TimeSpan? RaceAfter => null;

    /// <summary>Dialled after the others to a peer of our own site (uTP: a LAN is not the bottleneck it yields on, and it costs more CPU per byte).</summary>
    bool LastOnOurSite => false;
}

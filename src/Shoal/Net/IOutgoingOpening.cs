using Shoal.Metainfo;

namespace Shoal.Net;

/// <summary>
/// What happens on a dialled stream before the BitTorrent handshake: the client's own is the
/// encryption policy's (<see cref="Mse.MseOutgoingOpening"/>: MSE, or nothing); another opening
/// plugs in here in its place and returns the stream that carries what follows.
/// </summary>
internal interface IOutgoingOpening
{
    /// <summary>
    /// Opens <paramref name="stream"/> for <paramref name="infoHash"/> (the 20 bytes of the
    /// handshake). An opening that gives up on the stream may dispose it and return a fresh one
    /// from <paramref name="redial"/> (the same peer over the same transport policy).
    /// </summary>
    Task<PeerStream> OpenAsync(PeerStream stream, InfoHash infoHash, Func<CancellationToken, Task<PeerStream>> redial, CancellationToken cancellationToken);
}

using Shoal.Metainfo;

namespace Shoal.Net;

/// <summary>
/// What happens on a dialled stream before the BitTorrent handshake: nothing by default; an
/// encrypted opening (MSE) negotiates here and returns the stream that encrypts what follows.
/// </summary>
internal interface IOutgoingOpening
{
    Task<PeerStream> OpenAsync(PeerStream stream, InfoHash infoHash, CancellationToken cancellationToken);
}

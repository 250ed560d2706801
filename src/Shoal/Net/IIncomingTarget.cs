using Shoal.Wire;

namespace Shoal.Net;

/// <summary>Where an incoming connection goes once its handshake names a torrent.</summary>
internal interface IIncomingTarget
{
    /// <summary>Answers the handshake and attaches the peer; disposes <paramref name="stream"/> when it refuses.</summary>
    Task AcceptAsync(PeerStream stream, Handshake remote, CancellationToken cancellationToken);
}

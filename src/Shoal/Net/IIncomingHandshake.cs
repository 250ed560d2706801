using Shoal.Wire;

namespace Shoal.Net;

/// <summary>
/// One kind of opening an incoming connection may start with. The plain BitTorrent handshake is
/// the only one today; an encrypted (MSE) opening plugs in here and hands back a decrypting
/// stream plus the handshake inside it.
/// </summary>
internal interface IIncomingHandshake
{
    /// <summary>Whether a connection opening with <paramref name="first"/> (<see cref="PeerHandshaker.SniffLength"/> bytes) is of this kind.</summary>
    bool Matches(ReadOnlySpan<byte> first);

    /// <summary>Completes the opening; <paramref name="first"/> holds the sniffed bytes at its start.</summary>
    Task<(PeerStream Stream, Handshake Remote)> ReceiveAsync(PeerStream stream, byte[] first, IncomingRouter router, CancellationToken cancellationToken);
}

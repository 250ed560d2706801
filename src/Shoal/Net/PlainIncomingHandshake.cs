using Shoal.Wire;

namespace Shoal.Net;

/// <summary>The plain BEP 3 handshake.</summary>
internal sealed class PlainIncomingHandshake : IIncomingHandshake
{
    public bool Matches(ReadOnlySpan<byte> first) =>
        Handshake.TryParse(first, out _, out _) != ParseStatus.Error;

    public async Task<(PeerStream Stream, Handshake Remote)> ReceiveAsync(PeerStream stream, byte[] first, IncomingRouter router, CancellationToken cancellationToken) =>
        (stream, await PeerHandshaker.ReceiveRestAsync(stream, first, cancellationToken).ConfigureAwait(false));
}

using Shoal.Wire;

namespace Shoal.Net;

/// <summary>The plain BEP 3 handshake (refused when encryption is required).</summary>
internal sealed class PlainIncomingHandshake(Func<EncryptionPolicy> policy) : IIncomingHandshake
{
    /// <summary>Whether the first bytes are those of a plain handshake.</summary>
    public static bool LooksPlain(ReadOnlySpan<byte> first) =>
        Handshake.TryParse(first, out _, out _) != ParseStatus.Error;

    public bool Matches(ReadOnlySpan<byte> first) => policy() != EncryptionPolicy.Require && LooksPlain(first);

    public async Task<(PeerStream Stream, Handshake Remote)> ReceiveAsync(PeerStream stream, byte[] first, IncomingRouter router, CancellationToken cancellationToken) =>
        (stream, await PeerHandshaker.ReceiveRestAsync(stream, first, cancellationToken).ConfigureAwait(false));
}

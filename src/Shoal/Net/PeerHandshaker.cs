using Shoal.Peers;
using Shoal.Wire;

namespace Shoal.Net;

/// <summary>Sends and receives the BEP 3 handshake on a fresh stream, within the caller's deadline.</summary>
internal static class PeerHandshaker
{
    public static ValueTask SendAsync(PeerStream stream, Handshake handshake, CancellationToken cancellationToken) =>
        stream.WriteAsync(handshake.ToBytes(), cancellationToken);

    /// <summary>Reads exactly one handshake (no byte after it); throws <see cref="PeerProtocolException"/> on a bad one.</summary>
    public static async Task<Handshake> ReceiveAsync(PeerStream stream, CancellationToken cancellationToken)
    {
        // Read only to the end of the protocol string first, so a wrong one fails fast.
        var buffer = new byte[Handshake.Length];
        if (!await stream.ReadExactlyAsync(buffer.AsMemory(0, SniffLength), cancellationToken).ConfigureAwait(false))
            throw new PeerProtocolException("the peer closed the connection during the handshake");
        return await ReceiveRestAsync(stream, buffer, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Bytes that identify a plain handshake: the length byte and "BitTorrent protocol".</summary>
    public const int SniffLength = 20;

    /// <summary>Completes a handshake whose first <see cref="SniffLength"/> bytes are already in <paramref name="buffer"/>.</summary>
    public static async Task<Handshake> ReceiveRestAsync(PeerStream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        if (Handshake.TryParse(buffer.AsSpan(0, SniffLength), out _, out string? error) == ParseStatus.Error)
            throw new PeerProtocolException(error!);
        if (!await stream.ReadExactlyAsync(buffer.AsMemory(SniffLength, Handshake.Length - SniffLength), cancellationToken).ConfigureAwait(false))
            throw new PeerProtocolException("the peer closed the connection during the handshake");
        if (Handshake.TryParse(buffer, out var handshake, out error) != ParseStatus.Done)
            throw new PeerProtocolException(error ?? "incomplete handshake");
        return handshake;
    }
}

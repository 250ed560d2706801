using System.Net;
using System.Net.Sockets;
using Shoal.Net;
using Shoal.Net.Mse;
using Shoal.Peers;

namespace Shoal;

public sealed partial class ShoalClient
{
    /// <summary>Dials <paramref name="endPoint"/> over the first transport that connects; throws the last failure.</summary>
    internal async Task<PeerStream> DialAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        ITransport[] transports;
        lock (_gate)
            transports = [.. _transports];
        Exception? last = null;
        foreach (var transport in transports)
        {
            try
            {
                return await transport.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when ((e is SocketException or IOException) && !cancellationToken.IsCancellationRequested)
            {
                last = e;
            }
        }
        throw last ?? new IOException("no transport");
    }

    /// <summary>
    /// Dials <paramref name="endPoint"/> and opens the stream as the encryption policy says: the
    /// MSE handshake for <paramref name="streamKey"/> (the 20-byte hash of the handshake), or
    /// nothing. When encryption is only preferred, RC4 and plaintext are both offered for the
    /// payload, and a peer that does not answer the opening within half the deadline is dialled
    /// again in plain.
    /// </summary>
    internal async Task<PeerStream> OpenAsync(IPEndPoint endPoint, ReadOnlyMemory<byte> streamKey, CancellationToken cancellationToken)
    {
        var stream = await DialAsync(endPoint, cancellationToken).ConfigureAwait(false);
        try
        {
            if (OutgoingOpening is { } custom)
                return await custom.OpenAsync(stream, new Metainfo.InfoHash(streamKey.Span), cancellationToken).ConfigureAwait(false);
            var policy = Encryption;
            if (policy is EncryptionPolicy.Tolerate or EncryptionPolicy.Disable)
                return stream;
            if (policy == EncryptionPolicy.Require)
                return await MseHandshake.ConnectAsync(stream, streamKey, MseHandshake.Rc4, cancellationToken).ConfigureAwait(false);
            using var half = new Deadline(Options.ConnectTimeout / 2, Time, cancellationToken);
            try
            {
                // RC4 or plaintext after the opening: the peer picks (one that requires encryption picks RC4).
                return await MseHandshake.ConnectAsync(stream, streamKey, MseHandshake.Rc4 | MseHandshake.Plaintext, half.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is PeerProtocolException or IOException or SocketException or OperationCanceledException
                && !cancellationToken.IsCancellationRequested)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
                stream = await DialAsync(endPoint, cancellationToken).ConfigureAwait(false);
                return stream;
            }
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}

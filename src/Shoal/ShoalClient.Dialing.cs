using System.Net;
using System.Net.Sockets;
using Shoal.Net;
using Shoal.Net.Mse;
using Shoal.Peers;

namespace Shoal;

public sealed partial class ShoalClient
{
    /// <summary>Peers that did not answer over uTP but did over TCP, and until when we dial them over TCP at once.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<IPEndPoint, DateTimeOffset> _noUtp = new();
    private const int MaxNoUtp = 10_000;
    private static readonly TimeSpan NoUtpFor = TimeSpan.FromHours(1);

    /// <summary>
    /// Dials <paramref name="endPoint"/> over the first transport that connects, in order (uTP,
    /// then TCP, unless the transport policy names one), and throws the last failure. A peer that
    /// answered only over TCP is dialled over TCP directly for an hour.
    /// </summary>
    internal async Task<PeerStream> DialAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        ITransport[] transports;
        lock (_gate)
            transports = [.. _transports.Where(t => !(Options.Transport == TransportPolicy.Utp && t == _tcp))];
        bool skipUtp = transports.Length > 1 && _noUtp.TryGetValue(endPoint, out var until) && until > Time.GetUtcNow();
        Exception? last = null;
        bool utpFailed = false;
        foreach (var transport in transports)
        {
            if (skipUtp && transport is Net.Utp.UtpTransport)
                continue;
            try
            {
                var stream = await transport.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
                if (utpFailed)
                    RememberNoUtp(endPoint);
                return stream;
            }
            catch (Exception e) when ((e is SocketException or IOException) && !cancellationToken.IsCancellationRequested)
            {
                last = e;
                utpFailed |= transport is Net.Utp.UtpTransport;
            }
        }
        throw last ?? new IOException("no transport");
    }

    private void RememberNoUtp(IPEndPoint endPoint)
    {
        if (_noUtp.Count >= MaxNoUtp)
            _noUtp.Clear(); // bounded: forgetting only costs a uTP try
        _noUtp[endPoint] = Time.GetUtcNow() + NoUtpFor;
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

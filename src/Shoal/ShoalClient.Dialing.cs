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

    /// <summary>How long uTP has to answer before TCP is dialled beside it.</summary>
    internal static readonly TimeSpan UtpHeadStart = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Dials <paramref name="endPoint"/> over the first transport that connects, in order, and
    /// throws the last failure. uTP followed by TCP race instead: uTP first, TCP too once uTP has
    /// not answered within <see cref="UtpHeadStart"/>, the first to connect wins. A peer that
    /// answered only over TCP is dialled over TCP directly for an hour. Under
    /// <see cref="TransportPolicy.Both"/> a peer of our own site is dialled over TCP first, uTP
    /// only when TCP fails (see <see cref="TransportPolicy"/>).
    /// </summary>
    internal async Task<PeerStream> DialAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        ITransport[] transports;
        lock (_gate)
            transports = [.. _transports.Where(t => !(Options.Transport == TransportPolicy.Utp && t == _tcp))];
        if (transports.Length > 1 && _noUtp.TryGetValue(endPoint, out var until) && until > Time.GetUtcNow())
            transports = [.. transports.Where(t => t is not Net.Utp.UtpTransport)];
        else if (Options.Transport == TransportPolicy.Both && transports.Contains(_tcp) && Sites.IsLocal(endPoint.Address))
            transports = [.. transports.Where(t => t is not Net.Utp.UtpTransport), .. transports.OfType<Net.Utp.UtpTransport>()]; // on our LAN: uTP after TCP
        Exception? last = null;
        for (int i = 0; i < transports.Length; i++)
        {
            try
            {
                if (transports[i] is Net.Utp.UtpTransport && i + 1 < transports.Length && transports[i + 1] == _tcp)
                    return await RaceAsync(transports[i], _tcp, endPoint, cancellationToken).ConfigureAwait(false);
                return await transports[i].ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when ((e is SocketException or IOException) && !cancellationToken.IsCancellationRequested)
            {
                last = e;
            }
        }
        throw last ?? new IOException("no transport");
    }

    /// <summary>uTP with a head start, then TCP beside it; the first stream wins and a later one is closed.</summary>
    private async Task<PeerStream> RaceAsync(ITransport utp, ITransport tcp, IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        using var losing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var utpTry = utp.ConnectAsync(endPoint, losing.Token);
        await Task.WhenAny(utpTry, Task.Delay(UtpHeadStart, Time, cancellationToken)).ConfigureAwait(false);
        if (utpTry.IsCompletedSuccessfully)
            return utpTry.Result;
        cancellationToken.ThrowIfCancellationRequested();
        var tcpTry = tcp.ConnectAsync(endPoint, losing.Token);
        var pending = new List<Task<PeerStream>> { utpTry, tcpTry };
        Exception? last = null;
        while (pending.Count > 0)
        {
            var done = await Task.WhenAny(pending).ConfigureAwait(false);
            pending.Remove(done);
            if (done.IsCompletedSuccessfully)
            {
                await losing.CancelAsync().ConfigureAwait(false);
                foreach (var other in pending) // a loser that connects anyway is closed; one that fails is what we expect of it
                    Tasks.Start("closing the losing dial", () => CloseLoserAsync(other));
                if (done == tcpTry)
                    RememberNoUtp(endPoint);
                return done.Result;
            }
            last = done.Exception?.InnerException ?? new OperationCanceledException();
        }
        cancellationToken.ThrowIfCancellationRequested();
        throw last is SocketException or IOException ? last : new IOException("neither uTP nor TCP connected", last);
    }

    private static async Task CloseLoserAsync(Task<PeerStream> dial)
    {
        await ((Task)dial).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (dial.IsCompletedSuccessfully)
            dial.Result.Close();
        else
            _ = dial.Exception; // observed: a loser's failure is no fault
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

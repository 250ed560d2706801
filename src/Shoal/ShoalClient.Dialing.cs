using System.Net;
using System.Net.Sockets;
using Shoal.Net;
using Shoal.Peers;

namespace Shoal;

public sealed partial class ShoalClient
{
    /// <summary>Peers that answered only over a later transport (not over uTP, say, but over TCP), which one, and until when we dial it first.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<IPEndPoint, (ITransport Transport, DateTimeOffset Until)> _answeredOver = new();
    private const int MaxAnsweredOver = 10_000;
    private static readonly TimeSpan AnsweredOverFor = TimeSpan.FromHours(1);

    /// <summary>How long uTP has to answer before TCP is dialled beside it.</summary>
    internal static readonly TimeSpan UtpHeadStart = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Dials <paramref name="endPoint"/> over the transports in order (the preferred first) and
    /// throws the last failure; one strategy for every transport. A transport with
    /// <see cref="ITransport.RaceAfter"/> races the next: the next is dialled beside it once its
    /// head start is over, and the first stream wins (uTP, then TCP). A peer that answered only
    /// over a later transport is dialled over that one first for an hour. A peer of our own site
    /// gets the transports marked <see cref="ITransport.LastOnOurSite"/> last (TCP before uTP on a
    /// LAN). Under <see cref="TransportPolicy.Utp"/> TCP is not dialled at all.
    /// </summary>
    internal async Task<PeerStream> DialAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        ITransport[] order;
        lock (_gate)
            order = [.. _transports.Where(t => !(Options.Transport == TransportPolicy.Utp && t == _tcp))];
        if (order.Length > 1 && _answeredOver.TryGetValue(endPoint, out var hint) && hint.Until > Time.GetUtcNow() && Array.IndexOf(order, hint.Transport) is int at and > 0)
            order = order[at..];
        else if (Sites.IsLocal(endPoint.Address))
            order = [.. order.Where(t => !t.LastOnOurSite), .. order.Where(t => t.LastOnOurSite)];
        Exception? last = null;
        for (int i = 0; i < order.Length; i++)
        {
            try
            {
                if (order[i].RaceAfter is { } headStart && i + 1 < order.Length)
                {
                    i++; // the race tries both
                    return await RaceAsync(order[i - 1], order[i], headStart, endPoint, cancellationToken).ConfigureAwait(false);
                }
                return await order[i].ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when ((e is SocketException or IOException) && !cancellationToken.IsCancellationRequested)
            {
                last = e;
            }
        }
        throw last ?? new IOException("no transport");
    }

    /// <summary><paramref name="first"/> with a head start, then <paramref name="second"/> beside it; the first stream wins and a later one is closed.</summary>
    private async Task<PeerStream> RaceAsync(ITransport first, ITransport second, TimeSpan headStart, IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        using var losing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var firstTry = first.ConnectAsync(endPoint, losing.Token);
        await Task.WhenAny(firstTry, Task.Delay(headStart, Time, cancellationToken)).ConfigureAwait(false);
        if (firstTry.IsCompletedSuccessfully)
            return firstTry.Result;
        cancellationToken.ThrowIfCancellationRequested();
        var secondTry = second.ConnectAsync(endPoint, losing.Token);
        var pending = new List<Task<PeerStream>> { firstTry, secondTry };
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
                if (done == secondTry)
                    RememberAnsweredOver(endPoint, second);
                return done.Result;
            }
            last = done.Exception?.InnerException ?? new OperationCanceledException();
        }
        cancellationToken.ThrowIfCancellationRequested();
        throw last is SocketException or IOException ? last : new IOException($"neither {first.Name} nor {second.Name} connected", last);
    }

    private static async Task CloseLoserAsync(Task<PeerStream> dial)
    {
        await ((Task)dial).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (dial.IsCompletedSuccessfully)
            dial.Result.Close();
        else
            _ = dial.Exception; // observed: a loser's failure is no fault
    }

    private void RememberAnsweredOver(IPEndPoint endPoint, ITransport transport)
    {
        if (_answeredOver.Count >= MaxAnsweredOver)
            _answeredOver.Clear(); // bounded: forgetting only costs a race
        _answeredOver[endPoint] = (transport, Time.GetUtcNow() + AnsweredOverFor);
    }

    /// <summary>
    /// Dials <paramref name="endPoint"/> and opens the stream through <see cref="OutgoingOpening"/>
    /// for <paramref name="streamKey"/> (the 20-byte hash of the handshake): by default the
    /// encryption policy's MSE opening, which may dial again in plain.
    /// </summary>
    internal async Task<PeerStream> OpenAsync(IPEndPoint endPoint, ReadOnlyMemory<byte> streamKey, CancellationToken cancellationToken)
    {
        var stream = await DialAsync(endPoint, cancellationToken).ConfigureAwait(false);
        try
        {
            return await OutgoingOpening.OpenAsync(stream, new Metainfo.InfoHash(streamKey.Span), token => DialAsync(endPoint, token), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}

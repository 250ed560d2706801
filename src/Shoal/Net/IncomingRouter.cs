using Shoal.Metainfo;
using Shoal.Peers;
using Shoal.Wire;

namespace Shoal.Net;

/// <summary>
/// Takes every incoming stream from every transport, sniffs its first bytes to pick the kind of
/// opening, completes it within a deadline and routes the connection by info-hash. A connection
/// for a torrent we do not serve, or one that says nothing useful in time, is closed.
/// </summary>
internal sealed class IncomingRouter(Func<InfoHash, IIncomingTarget?> lookup, IEnumerable<IIncomingHandshake> kinds, TimeSpan deadline, TimeProvider time)
{
    private readonly List<IIncomingHandshake> _kinds = [.. kinds];
    private long _reachedV4;
    private long _reachedV6;

    /// <summary>
    /// How many peers reached us with a complete BitTorrent handshake, over IPv4 and over IPv6
    /// (loopback not counted): proof that our port is open, learnt without asking anyone.
    /// </summary>
    public (long V4, long V6) Reached => (Interlocked.Read(ref _reachedV4), Interlocked.Read(ref _reachedV6));

    /// <summary>Whether a connection may be taken now; one that may not is closed before anything is read from it.</summary>
    public Func<bool> Admits { get; init; } = static () => true;

    /// <summary>Adds a kind of opening, tried before those it was made with (the last of which, MSE, takes any opening that is not plain).</summary>
    public void Register(IIncomingHandshake kind) => _kinds.Insert(0, kind);

    /// <summary>The torrent that serves <paramref name="infoHash"/> (v1, or v2 truncated), if any.</summary>
    public IIncomingTarget? Find(InfoHash infoHash) => lookup(infoHash);

    public async Task RouteAsync(PeerStream stream, CancellationToken cancellationToken)
    {
        bool handedOver = false;
        try
        {
            if (!Admits())
                return;
            using var timeout = new Deadline(deadline, time, cancellationToken);
            var first = new byte[Handshake.Length];
            if (!await stream.ReadExactlyAsync(first.AsMemory(0, PeerHandshaker.SniffLength), timeout.Token).ConfigureAwait(false))
                return;
            var kind = _kinds.FirstOrDefault(k => k.Matches(first.AsSpan(0, PeerHandshaker.SniffLength)));
            if (kind is null)
                return;
            var (opened, remote) = await kind.ReceiveAsync(stream, first, this, timeout.Token).ConfigureAwait(false);
            stream = opened;
            CountReached(stream.RemoteEndPoint.Address);
            if (Find(new InfoHash(remote.InfoHash)) is not { } target)
                return; // not a torrent we serve: just close
            handedOver = true;
            await target.AcceptAsync(stream, remote, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or OperationCanceledException or PeerProtocolException or ObjectDisposedException)
        {
            handedOver = false;
        }
        finally
        {
            if (!handedOver)
                await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void CountReached(System.Net.IPAddress address)
    {
        if (System.Net.IPAddress.IsLoopback(address))
            return;
        if (address.IsIPv4MappedToIPv6 || address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
            Interlocked.Increment(ref _reachedV4);
        else
            Interlocked.Increment(ref _reachedV6);
    }
}

using Shoal.Metainfo;
using Shoal.Peers;
using Shoal.Wire;

namespace Shoal.Net;

/// <summary>Where an incoming connection goes once its handshake names a torrent.</summary>
public interface IIncomingTarget
{
    /// <summary>Answers the handshake and attaches the peer; disposes <paramref name="stream"/> when it refuses.</summary>
    Task AcceptAsync(PeerStream stream, Handshake remote, CancellationToken cancellationToken);
}

/// <summary>
/// One kind of opening an incoming connection may start with. The plain BitTorrent handshake is
/// the only one today; an encrypted (MSE) opening plugs in here and hands back a decrypting
/// stream plus the handshake inside it.
/// </summary>
public interface IIncomingHandshake
{
    /// <summary>Whether a connection opening with <paramref name="first"/> (<see cref="PeerHandshaker.SniffLength"/> bytes) is of this kind.</summary>
    bool Matches(ReadOnlySpan<byte> first);

    /// <summary>Completes the opening; <paramref name="first"/> holds the sniffed bytes at its start.</summary>
    Task<(PeerStream Stream, Handshake Remote)> ReceiveAsync(PeerStream stream, byte[] first, IncomingRouter router, CancellationToken cancellationToken);
}

/// <summary>The plain BEP 3 handshake.</summary>
public sealed class PlainIncomingHandshake : IIncomingHandshake
{
    public bool Matches(ReadOnlySpan<byte> first) =>
        Handshake.TryParse(first, out _, out _) != ParseStatus.Error;

    public async Task<(PeerStream Stream, Handshake Remote)> ReceiveAsync(PeerStream stream, byte[] first, IncomingRouter router, CancellationToken cancellationToken) =>
        (stream, await PeerHandshaker.ReceiveRestAsync(stream, first, cancellationToken).ConfigureAwait(false));
}

/// <summary>
/// Takes every incoming stream from every transport, sniffs its first bytes to pick the kind of
/// opening, completes it within a deadline and routes the connection by info-hash. A connection
/// for a torrent we do not serve, or one that says nothing useful in time, is closed.
/// </summary>
public sealed class IncomingRouter(Func<InfoHash, IIncomingTarget?> lookup, TimeSpan deadline, TimeProvider time)
{
    private readonly List<IIncomingHandshake> _kinds = [new PlainIncomingHandshake()];

    /// <summary>Adds a kind of opening (tried in order after the plain handshake).</summary>
    public void Register(IIncomingHandshake kind) => _kinds.Add(kind);

    /// <summary>The torrent that serves <paramref name="infoHash"/> (v1, or v2 truncated), if any.</summary>
    public IIncomingTarget? Find(InfoHash infoHash) => lookup(infoHash);

    public async Task RouteAsync(PeerStream stream, CancellationToken cancellationToken)
    {
        bool handedOver = false;
        try
        {
            using var timeout = new Deadline(deadline, time, cancellationToken);
            var first = new byte[Handshake.Length];
            if (!await stream.ReadExactlyAsync(first.AsMemory(0, PeerHandshaker.SniffLength), timeout.Token).ConfigureAwait(false))
                return;
            var kind = _kinds.FirstOrDefault(k => k.Matches(first.AsSpan(0, PeerHandshaker.SniffLength)));
            if (kind is null)
                return;
            var (opened, remote) = await kind.ReceiveAsync(stream, first, this, timeout.Token).ConfigureAwait(false);
            stream = opened;
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
}

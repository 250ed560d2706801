using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Shoal.Trackers;

/// <summary>
/// A BEP 15 UDP tracker. Each request is retried with a timeout of 15·2ⁿ seconds (n = 0..8 by
/// default; both settable for tests); a connection id is reused for up to a minute.
/// </summary>
internal sealed class UdpTrackerClient(Uri uri, TimeProvider? time = null, TimeSpan? baseTimeout = null, int maxRetries = 8) : ITrackerClient
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly TimeSpan _baseTimeout = baseTimeout ?? TimeSpan.FromSeconds(15);

    public Uri Uri { get; } = uri;

    public async Task<AnnounceResponse> AnnounceAsync(AnnounceRequest request, CancellationToken cancellationToken)
    {
        using var socket = await OpenAsync(cancellationToken).ConfigureAwait(false);
        bool ipv6 = ((IPEndPoint)socket.RemoteEndPoint!).AddressFamily == AddressFamily.InterNetworkV6
            && !((IPEndPoint)socket.RemoteEndPoint!).Address.IsIPv4MappedToIPv6;
        return await ExchangeAsync(socket, UdpTrackerPacket.ActionAnnounce,
            (id, tx) => UdpTrackerPacket.Announce(id, tx, request),
            reply => UdpTrackerPacket.ParseAnnounce(reply, ipv6), cancellationToken).ConfigureAwait(false);
    }

    public async Task<ScrapeResult?> ScrapeAsync(byte[] infoHash, CancellationToken cancellationToken)
    {
        using var socket = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await ExchangeAsync(socket, UdpTrackerPacket.ActionScrape,
            (id, tx) => UdpTrackerPacket.Scrape(id, tx, infoHash),
            reply => UdpTrackerPacket.ParseScrape(reply), cancellationToken).ConfigureAwait(false);
    }

    private async Task<Socket> OpenAsync(CancellationToken cancellationToken)
    {
        if (Uri.Port <= 0)
            throw new TrackerException($"UDP tracker {Uri} has no port");
        var addresses = await Dns.GetHostAddressesAsync(Uri.DnsSafeHost, cancellationToken).ConfigureAwait(false);
        var address = addresses.FirstOrDefault() ?? throw new TrackerException($"cannot resolve {Uri.Host}");
        var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(address, Uri.Port), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return socket;
    }

    private async Task<T> ExchangeAsync<T>(Socket socket, int action, Func<long, int, byte[]> build, Func<ReadOnlySpan<byte>, T> parse, CancellationToken cancellationToken)
    {
        // A connection id belongs to the address it was issued to; each request opens a new
        // socket (a new port), so it connects afresh, and again after a timeout (BEP 15).
        var buffer = new byte[2048 + 18 * 200];
        long? connectionId = null;
        for (int attempt = 0; attempt <= maxRetries; attempt++)
        {
            var timeout = _baseTimeout * (1 << attempt);
            using var deadline = new CancellationTokenSource(timeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
            try
            {
                if (connectionId is null)
                {
                    int connectTx = RandomNumberGenerator.GetInt32(int.MaxValue);
                    await socket.SendAsync(UdpTrackerPacket.Connect(connectTx), linked.Token).ConfigureAwait(false);
                    int n;
                    do
                        n = await socket.ReceiveAsync(buffer, linked.Token).ConfigureAwait(false);
                    while (!UdpTrackerPacket.CheckReply(buffer.AsSpan(0, n), UdpTrackerPacket.ActionConnect, connectTx));
                    connectionId = UdpTrackerPacket.ParseConnect(buffer.AsSpan(0, n));
                }
                int tx = RandomNumberGenerator.GetInt32(int.MaxValue);
                await socket.SendAsync(build(connectionId.Value, tx), linked.Token).ConfigureAwait(false);
                int got;
                do
                    got = await socket.ReceiveAsync(buffer, linked.Token).ConfigureAwait(false);
                while (!UdpTrackerPacket.CheckReply(buffer.AsSpan(0, got), action, tx));
                return parse(buffer.AsSpan(0, got));
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                connectionId = null;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
            {
                throw new TrackerException($"UDP tracker {Uri.Host}:{Uri.Port} refused the connection");
            }
        }
        throw new TrackerException($"UDP tracker {Uri.Host}:{Uri.Port} did not answer");
    }
}

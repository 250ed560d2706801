using System.Net;
using System.Net.Sockets;
using Shoal.Dht;

namespace Shoal.Tests.Dht;

/// <summary>A bare UDP socket speaking KRPC by hand: sends queries or raw bytes and reads what comes back.</summary>
internal sealed class KrpcProbe : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private ushort _transaction;

    public KrpcProbe(IPAddress address)
    {
        _socket.Bind(new IPEndPoint(address, 0));
        Id = NodeId.Random(Random.Shared);
    }

    public NodeId Id { get; }
    public IPEndPoint EndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    public KrpcMessage Query(string method) => KrpcMessage.Query(NextTransaction(), method, Id);

    public byte[] NextTransaction() => [(byte)(++_transaction >> 8), (byte)_transaction];

    public void Send(byte[] datagram, IPEndPoint to) => _socket.SendTo(datagram, to);

    /// <summary>Sends <paramref name="query"/> and returns the answer with its transaction id (null after <paramref name="seconds"/>).</summary>
    public async Task<KrpcMessage?> AskAsync(KrpcMessage query, IPEndPoint to, double seconds = 5)
    {
        Send(query.Encode(), to);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        while (await ReceiveAsync(deadline.Token) is { } answer)
        {
            if (answer.TransactionId.AsSpan().SequenceEqual(query.TransactionId))
                return answer;
        }
        return null;
    }

    /// <summary>The next KRPC message that arrives (unparseable ones skipped); null when cancelled.</summary>
    public async Task<KrpcMessage?> ReceiveAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[65536];
        while (true)
        {
            int n;
            try
            {
                n = await _socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
            try
            {
                return KrpcMessage.Parse(buffer.AsSpan(0, n));
            }
            catch (FormatException)
            {
            }
        }
    }

    /// <summary>Counts the responses that arrive until nothing has for <paramref name="quiet"/> (the node's own queries, its pings, are not counted).</summary>
    public async Task<int> CountResponsesUntilQuietAsync(TimeSpan quiet)
    {
        int count = 0;
        while (true)
        {
            using var window = new CancellationTokenSource(quiet);
            if (await ReceiveAsync(window.Token) is not { } message)
                return count;
            if (message.Kind == KrpcKind.Response)
                count++;
        }
    }

    public void Dispose() => _socket.Dispose();
}

using System.Net.Sockets;
using Shoal.Wire;

namespace Shoal.Peers;

/// <summary>Sends and receives the BEP 3 handshake on a fresh socket, within a deadline.</summary>
public static class PeerHandshaker
{
    public static async Task SendAsync(Socket socket, Handshake handshake, CancellationToken cancellationToken)
    {
        var bytes = handshake.ToBytes();
        int sent = 0;
        while (sent < bytes.Length)
            sent += await socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads exactly one handshake (no byte after it); throws <see cref="PeerProtocolException"/> on a bad one.</summary>
    public static async Task<Handshake> ReceiveAsync(Socket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[Handshake.Length];
        int have = 0;
        while (true)
        {
            var status = Handshake.TryParse(buffer.AsSpan(0, have), out var handshake, out string? error);
            if (status == ParseStatus.Done)
                return handshake;
            if (status == ParseStatus.Error)
                throw new PeerProtocolException(error!);
            // Read only to the end of the protocol string first, so a wrong one fails fast.
            int want = have < 20 ? 20 - have : Handshake.Length - have;
            int n = await socket.ReceiveAsync(buffer.AsMemory(have, want), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (n == 0)
                throw new PeerProtocolException("the peer closed the connection during the handshake");
            have += n;
        }
    }
}

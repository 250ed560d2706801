using System.Net;
using System.Net.Sockets;
using Shoal.Net;

namespace Shoal.Tests.Net.Mse;

/// <summary>Two connected TCP peer streams on 127.0.0.1: A dialled, B accepted.</summary>
internal static class LoopbackPair
{
    public static async Task<(PeerStream A, PeerStream B)> CreateAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var accept = listener.AcceptSocketAsync();
        await client.ConnectAsync((IPEndPoint)listener.LocalEndpoint);
        return (new TcpPeerStream(client), new TcpPeerStream(await accept));
    }
}

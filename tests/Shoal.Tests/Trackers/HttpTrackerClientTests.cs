using System.Net;
using System.Net.Sockets;
using System.Text;
using Shoal.Trackers;

namespace Shoal.Tests.Trackers;

public class HttpTrackerClientTests
{
    [Fact]
    public async Task Each_announce_asks_for_a_close_and_goes_on_a_connection_of_its_own()
    {
        // Like opentracker: an HTTP/1.1 reply with no Connection header. A second request on
        // the same connection is answered with a reset, as a tracker that closed it would.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var requests = new List<(int Connection, string Head)>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var server = Task.Run(async () =>
        {
            for (int connection = 0; connection < 2; connection++)
            {
                using var socket = await listener.AcceptSocketAsync(stop.Token);
                for (int n = 0; ; n++)
                {
                    string? head = await ReadHeadAsync(socket, stop.Token);
                    if (head is null)
                        break;
                    lock (requests)
                        requests.Add((connection, head));
                    if (n > 0)
                    {
                        socket.LingerState = new LingerOption(true, 0);
                        break;
                    }
                    byte[] body = [.. "d8:intervali60e5:peers6:"u8, 127, 0, 0, 1, 0x1B, 0x59, (byte)'e'];
                    await socket.SendAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\n\r\n").Concat(body).ToArray(), stop.Token);
                }
            }
        });
        using var http = HttpTrackerClient.CreateHttp();
        var client = new HttpTrackerClient(new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/announce"), http);
        var request = new AnnounceRequest(new byte[20], "-SH0100-abcdefghijkl"u8.ToArray(), 7001, 0, 0, 0, TrackerEvent.Started, 50, 1);

        var first = await client.AnnounceAsync(request, stop.Token);
        var second = await client.AnnounceAsync(request with { Event = TrackerEvent.None }, stop.Token);
        await server.WaitAsync(stop.Token);

        Assert.Equal(TimeSpan.FromSeconds(60), first.Interval);
        Assert.Equal(TimeSpan.FromSeconds(60), second.Interval);
        Assert.Equal([0, 1], requests.Select(r => r.Connection));
        Assert.All(requests, r => Assert.Contains("\r\nConnection: close\r\n", r.Head, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Reads one request head (up to the blank line), or null when the peer closes first.</summary>
    private static async Task<string?> ReadHeadAsync(Socket socket, CancellationToken cancellationToken)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await socket.ReceiveAsync(one, cancellationToken) == 0)
                return null;
            head.Append((char)one[0]);
        }
        return head.ToString();
    }
}

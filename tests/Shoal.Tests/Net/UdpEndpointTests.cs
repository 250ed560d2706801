using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Shoal.Net;
using Shoal.Tests.Engine;

namespace Shoal.Tests.Net;

public class UdpEndpointTests
{
    [Fact]
    public async Task Datagrams_go_to_the_receiver_that_claims_them_with_our_address_and_one_that_throws_does_not_stop_the_loop()
    {
        await using var udp = new UdpEndpoint();
        int port = udp.Bind([IPAddress.Loopback], 0);
        var krpc = new ConcurrentQueue<(string Text, IPEndPoint From, IPAddress To)>();
        var other = new ConcurrentQueue<string>();
        var failures = new ConcurrentQueue<Exception>();
        udp.AddReceiver(d => d.Length > 0 && d[0] == (byte)'d', (d, from, to) =>
        {
            string text = System.Text.Encoding.ASCII.GetString(d.Span);
            if (text == "dboom")
                throw new InvalidOperationException("a bug");
            krpc.Enqueue((text, from, to));
        });
        udp.AddReceiver(_ => true, (d, _, _) => other.Enqueue(System.Text.Encoding.ASCII.GetString(d.Span)));
        udp.ReceiverFailed += failures.Enqueue;
        udp.Start();

        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        foreach (string text in new[] { "dboom", "d1", "utp", "d2" })
            await client.SendAsync(System.Text.Encoding.ASCII.GetBytes(text), new IPEndPoint(IPAddress.Loopback, port));
        await EngineHarness.WaitUntilAsync(() => krpc.Count == 2 && other.Count == 1, 10, "the datagrams after the failure");

        Assert.Equal(["d1", "d2"], krpc.Select(k => k.Text));
        Assert.All(krpc, k => Assert.Equal((IPEndPoint)client.Client.LocalEndPoint!, k.From));
        Assert.All(krpc, k => Assert.Equal(IPAddress.Loopback, k.To));
        Assert.Equal(["utp"], other);
        Assert.IsType<InvalidOperationException>(Assert.Single(failures));
    }
}

using System.Net;
using System.Net.Sockets;

namespace Shoal.Tests.Engine;

/// <summary>Two connections to one peer: the one both sides agree on survives, and it keeps the old one's connection slot.</summary>
public class DuplicateConnectionTests
{
    [Fact]
    public async Task At_the_connection_limit_a_second_connection_to_the_same_peer_replaces_the_first_instead_of_losing_both()
    {
        await using var h = new EngineHarness();
        var (torrent, _) = await h.CreateAsync("data.bin", [("data.bin", 100_000)]);
        byte[] hash = torrent.InfoHashes.Primary.Span.ToArray();
        var leecher = await h.ClientAsync(o => o with { MaxConnections = 1, Transport = TransportPolicy.Tcp, Encryption = EncryptionPolicy.Tolerate });
        var leech = leecher.Add(torrent, h.NewDir());
        await leech.StartAsync();

        // The peer dials in first; then we dial it. Both sides keep the connection dialled by the
        // smaller peer id: ours ("-SH...") is smaller than its ("-XX..."), so our dial wins.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var listening = (IPEndPoint)listener.LocalEndpoint;
        using var first = await ScriptedPeer.ConnectAsync(EngineHarness.EndPoint(leecher), hash, id: ScriptedPeer.Id);
        await EngineHarness.WaitUntilAsync(() => leech.GetPeers().Count == 1, 20, "the first connection");
        Assert.False(leech.GetPeers()[0].Outgoing);

        var dialled = ScriptedPeer.AcceptAsync(listener, hash, ScriptedPeer.Id);
        leech.AddPeer(listening);
        using var second = await dialled.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.True(await first.ClosedByPeerAsync(TimeSpan.FromSeconds(20)), "the first connection was not closed");
        await EngineHarness.WaitUntilAsync(() => leech.GetPeers() is [{ Outgoing: true } only] && only.EndPoint.Equals(listening), 20,
            "the dialled connection in the first one's place");
    }
}

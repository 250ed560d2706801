using System.Net;
using Shoal.Peers;
using Shoal.Wire;

namespace Shoal.Tests.Engine;

/// <summary>Our public address, learned from what peers say they see (BEP 10 'yourip'), and used to rank addresses (BEP 40).</summary>
public class ExternalAddressTests
{
    private static readonly IPAddress Public = IPAddress.Parse("203.0.113.7");

    [Fact]
    public async Task Five_peers_at_five_addresses_that_agree_on_yourip_make_it_our_address_and_ranking_follows_it()
    {
        await using var h = new EngineHarness();
        var (torrent, _) = await h.CreateAsync("data.bin", [("data.bin", 100_000)]);
        byte[] hash = torrent.InfoHashes.Primary.Span.ToArray();
        var client = await h.ClientAsync(o => o with { Transport = TransportPolicy.Tcp });
        var leech = client.Add(torrent, h.NewDir());
        await leech.StartAsync();
        var target = new IPEndPoint(IPAddress.Loopback, client.ListenPort);
        var peers = new List<ScriptedPeer>();
        try
        {
            async Task VoteAsync(int n)
            {
                var peer = await ScriptedPeer.ConnectAsync(target, hash, id: ScriptedPeer.NumberedId(n), from: IPAddress.Parse($"127.0.0.{2 + n}"));
                peers.Add(peer);
                await peer.SendExtendedAsync(0, new ExtensionHandshake { Client = $"voter {n}", YourIp = Public }.Encode());
            }
            // The same peer saying it again is no second vote; four peers are not enough.
            for (int n = 0; n < 4; n++)
                await VoteAsync(n);
            await peers[0].SendExtendedAsync(0, new ExtensionHandshake { Client = "voter 0 again", YourIp = Public }.Encode());
            await EngineHarness.WaitUntilAsync(() => leech.GetPeers().Count(p => p.Client.StartsWith("voter", StringComparison.Ordinal)) == 4
                && leech.GetPeers().Any(p => p.Client == "voter 0 again"), 20, "five handshakes from four peers read");
            Assert.Null(client.ExternalAddress);

            await VoteAsync(4);
            await EngineHarness.WaitUntilAsync(() => Public.Equals(client.ExternalAddress), 20, "the fifth vote to settle our address");
            var elsewhere = new IPEndPoint(IPAddress.Parse("198.51.100.9"), 6881);
            Assert.Equal((long)CanonicalPeerPriority.Compute(new IPEndPoint(Public, client.ListenPort), elsewhere), client.RankPeer(elsewhere));
        }
        finally
        {
            foreach (var peer in peers)
                peer.Dispose();
        }
    }
}

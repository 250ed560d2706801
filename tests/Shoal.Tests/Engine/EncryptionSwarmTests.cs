using System.Net;
using System.Net.Sockets;
using Shoal.Net;
using Shoal.Net.Mse;
using Shoal.Peers;
using Shoal.Wire;

namespace Shoal.Tests.Engine;

/// <summary>The encryption policies on real loopback swarms: what is dialled, what is accepted, what the status shows.</summary>
public class EncryptionSwarmTests
{
    private static Func<ShoalClientOptions, ShoalClientOptions> With(EncryptionPolicy policy, TransportPolicy transport = TransportPolicy.Both) =>
        o => o with { Encryption = policy, Transport = transport };

    /// <summary>An address on loopback that the leechers' site map puts in another site (office) than their own, 127.0.0.1.</summary>
    private static readonly IPAddress OtherSite = IPAddress.Parse("127.0.0.2");
    private static readonly SiteMap TwoSites = SiteMap.Parse(["127.0.0.2/32 other-office"]);

    /// <summary>A seed, on another site than the leecher when <paramref name="remote"/>, and a started leecher given its address.</summary>
    private static async Task<(TorrentSession Leech, Shoal.Metainfo.Torrent Torrent, string SeedDir)> SwarmAsync(EngineHarness h, EncryptionPolicy seed, EncryptionPolicy leech,
        TransportPolicy transport, bool remote = false, TransportPolicy seedTransport = TransportPolicy.Both)
    {
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 600_000)]);
        var seeder = await h.ClientAsync(o => With(seed, seedTransport)(o) with { ListenAddresses = [remote ? OtherSite : IPAddress.Loopback] });
        await seeder.Add(torrent, seedDir).StartAsync();
        var leecher = await h.ClientAsync(o => With(leech, transport)(o) with { Sites = TwoSites });
        var seedAt = new IPEndPoint(remote ? OtherSite : IPAddress.Loopback, seeder.ListenPort);
        var session = leecher.Add(torrent, h.NewDir(), new TorrentOptions { Peers = [seedAt] });
        await session.StartAsync();
        return (session, torrent, seedDir);
    }

    [Theory]
    [InlineData(EncryptionPolicy.Require, EncryptionPolicy.Require, TransportPolicy.Tcp, "tcp+rc4")]
    [InlineData(EncryptionPolicy.Prefer, EncryptionPolicy.Prefer, TransportPolicy.Tcp, "tcp+mse")] // the opening hidden, plaintext after it
    [InlineData(EncryptionPolicy.Prefer, EncryptionPolicy.Require, TransportPolicy.Tcp, "tcp+rc4")]
    [InlineData(EncryptionPolicy.Tolerate, EncryptionPolicy.Require, TransportPolicy.Tcp, "tcp+rc4")]
    [InlineData(EncryptionPolicy.Disable, EncryptionPolicy.Prefer, TransportPolicy.Tcp, "tcp")] // refused encrypted, dialled again in plain
    [InlineData(EncryptionPolicy.Prefer, EncryptionPolicy.Tolerate, TransportPolicy.Tcp, "tcp")]
    [InlineData(EncryptionPolicy.Require, EncryptionPolicy.Require, TransportPolicy.Utp, "utp+rc4")]
    [InlineData(EncryptionPolicy.Prefer, EncryptionPolicy.Prefer, TransportPolicy.Utp, "utp+mse")]
    [InlineData(EncryptionPolicy.Disable, EncryptionPolicy.Prefer, TransportPolicy.Utp, "utp")]
    public async Task The_leecher_completes_over_the_transport_the_two_policies_agree_on(EncryptionPolicy seed, EncryptionPolicy leech, TransportPolicy dial, string transport)
    {
        await using var h = new EngineHarness();
        var (session, torrent, seedDir) = await SwarmAsync(h, seed, leech, dial);
        await AssertCompletesOverAsync(transport, session, torrent, seedDir);
    }

    [Theory]
    [InlineData(true, "utp+mse")] // another office: uTP first, for LEDBAT gives way to other traffic on the WAN link
    [InlineData(false, "tcp+mse")] // our own site: TCP first, cheaper per byte on a LAN that is no bottleneck
    public async Task By_default_a_peer_of_another_site_is_dialled_over_utp_and_one_of_our_own_over_tcp(bool remote, string transport)
    {
        await using var h = new EngineHarness();
        var (session, torrent, seedDir) = await SwarmAsync(h, EncryptionPolicy.Prefer, EncryptionPolicy.Prefer, TransportPolicy.Both, remote);
        await AssertCompletesOverAsync(transport, session, torrent, seedDir);
    }

    private static async Task AssertCompletesOverAsync(string transport, TorrentSession session, Shoal.Metainfo.Torrent torrent, string seedDir)
    {
        await EngineHarness.WaitUntilAsync(() => session.GetPeers().Any(), 30, "a connected peer");
        Assert.Equal(transport, session.GetPeers()[0].Transport.ToString());
        await EngineHarness.WaitCompleteAsync(session);
        EngineHarness.AssertSameFiles(torrent, seedDir, session.SaveDirectory);
    }

    [Fact]
    public async Task A_peer_without_utp_is_reached_over_tcp_dialled_beside_utp_after_its_head_start()
    {
        await using var h = new EngineHarness();
        // the seed has no uTP at all; the leecher dials by default (uTP first to another site, then TCP)
        var (session, _, _) = await SwarmAsync(h, EncryptionPolicy.Prefer, EncryptionPolicy.Prefer, TransportPolicy.Both, remote: true, seedTransport: TransportPolicy.Tcp);
        await EngineHarness.WaitUntilAsync(() => session.GetPeers().Any(), 30, "a connected peer");
        Assert.Equal(PeerTransport.Tcp with { Encryption = PeerEncryption.HandshakeOnly }, session.GetPeers()[0].Transport);
        await EngineHarness.WaitCompleteAsync(session);
    }

    [Fact]
    public async Task A_client_that_requires_encryption_hangs_up_on_a_plain_handshake_without_answering()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 100_000)]);
        var seeder = await h.ClientAsync(With(EncryptionPolicy.Require));
        await seeder.Add(torrent, seedDir).StartAsync();

        await using var stream = await DialAsync(seeder);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var hello = new Handshake(Handshake.OurReserved(), torrent.InfoHashes.Primary.Truncated.Span.ToArray(), PeerId.Create());
        await PeerHandshaker.SendAsync(stream, hello, cts.Token);
        Assert.Equal(0, await stream.ReadAsync(new byte[68], cts.Token));
    }

    [Fact]
    public async Task A_client_with_encryption_disabled_hangs_up_on_an_encrypted_opening()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 100_000)]);
        var seeder = await h.ClientAsync(With(EncryptionPolicy.Disable));
        await seeder.Add(torrent, seedDir).StartAsync();

        await using var stream = await DialAsync(seeder);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var refused = await Assert.ThrowsAsync<PeerProtocolException>(() =>
            MseHandshake.ConnectAsync(stream, torrent.InfoHashes.Primary.Truncated.Span.ToArray(), MseHandshake.Rc4, cts.Token));
        Assert.Contains("closed", refused.Message);
    }

    private static async Task<PeerStream> DialAsync(ShoalClient client)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(EngineHarness.EndPoint(client));
        return new TcpPeerStream(socket);
    }
}

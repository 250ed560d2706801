using System.Net;
using System.Net.Sockets;
using Shoal.Metainfo;
using Shoal.Net;
using Shoal.Wire;

namespace Shoal.Tests.Engine;

/// <summary>
/// The seams MSE and uTP will use, exercised with toys: an opening sent before the handshake
/// (and sniffed and undone by the receiving router), and a preferred transport that fails so
/// the dial falls back to TCP.
/// </summary>
public class TransportSeamTests
{
    private static readonly byte[] Magic = "SHOL"u8.ToArray();

    /// <summary>Sends four magic bytes before the BitTorrent handshake.</summary>
    private sealed class MagicOpening : IOutgoingOpening
    {
        public int Opened;
        public async Task<PeerStream> OpenAsync(PeerStream stream, InfoHash infoHash, Func<CancellationToken, Task<PeerStream>> redial, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Opened);
            await stream.WriteAsync(Magic, cancellationToken);
            return stream;
        }
    }

    /// <summary>Recognises the magic in the sniffed bytes and reads the handshake behind it.</summary>
    private sealed class MagicIncoming : IIncomingHandshake
    {
        public int Accepted;
        public bool Matches(ReadOnlySpan<byte> first) => first.StartsWith(Magic);
        public async Task<(PeerStream Stream, Handshake Remote)> ReceiveAsync(PeerStream stream, byte[] first, IncomingRouter router, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Accepted);
            var buffer = new byte[Handshake.Length];
            int sniffed = PeerHandshaker.SniffLength - Magic.Length;
            first.AsSpan(Magic.Length, sniffed).CopyTo(buffer);
            Assert.True(await stream.ReadExactlyAsync(buffer.AsMemory(sniffed), cancellationToken));
            Assert.Equal(ParseStatus.Done, Handshake.TryParse(buffer, out var handshake, out _));
            return (stream, handshake);
        }
    }

    /// <summary>A transport that reaches nobody.</summary>
    private sealed class NowhereTransport : ITransport
    {
        public int Tried;
        public string Name => "nowhere";
        public Task<PeerStream> ConnectAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Tried);
            throw new SocketException((int)SocketError.HostUnreachable);
        }
        public Task StartListening(Action<PeerStream> incoming, CancellationToken cancellationToken) => Task.CompletedTask;
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    [Fact]
    public async Task An_opening_before_the_handshake_is_sniffed_by_the_router_and_a_failing_transport_falls_back_to_tcp()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 300_000)]);
        var seeder = await h.ClientAsync();
        var incoming = new MagicIncoming();
        seeder.Router.Register(incoming);
        await seeder.Add(torrent, seedDir).StartAsync();

        var leecher = await h.ClientAsync();
        var opening = new MagicOpening();
        var nowhere = new NowhereTransport();
        leecher.OutgoingOpening = opening;
        leecher.AddTransport(nowhere, preferred: true);
        var leech = leecher.Add(torrent, h.NewDir(), new TorrentOptions { Peers = [EngineHarness.EndPoint(seeder)] });
        await leech.StartAsync();
        await EngineHarness.WaitCompleteAsync(leech);
        EngineHarness.AssertSameFiles(torrent, seedDir, leech.SaveDirectory);
        Assert.True(nowhere.Tried > 0, "the preferred transport was never tried");
        Assert.True(opening.Opened > 0 && incoming.Accepted > 0, "the opening did not go through the router's sniffing point");

        // A plain peer still gets in: the router tries the plain handshake first.
        var plain = await h.ClientAsync();
        var other = plain.Add(torrent, h.NewDir(), new TorrentOptions { Peers = [EngineHarness.EndPoint(seeder)] });
        await other.StartAsync();
        await EngineHarness.WaitCompleteAsync(other);
    }
}

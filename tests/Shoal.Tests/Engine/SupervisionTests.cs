using System.Net;
using Shoal.Bencode;
using Shoal.Discovery;
using Shoal.Extensions;
using Shoal.Metainfo;
using Shoal.Net;
using Shoal.Peers;
using Shoal.Wire;

namespace Shoal.Tests.Engine;

/// <summary>
/// Fault injection: code plugged into the engine (storage, a peer source, a transport, an
/// extension) throws an exception nobody expects at a chosen point. Each time the torrent stops
/// with an error that says so within seconds (not a silent stall at 99%), and once the fault is
/// gone a restart completes the download.
/// </summary>
public class SupervisionTests
{
    private const string Injected = "injected fault";

    /// <summary>Throws once, the first time it is asked to, then never again.</summary>
    private sealed class OneFault
    {
        private int _fired;
        public bool Fired => Volatile.Read(ref _fired) != 0;
        public void Throw(string where)
        {
            if (Interlocked.Exchange(ref _fired, 1) == 0)
                throw new InvalidOperationException($"{Injected} in {where}");
        }
    }

    private static async Task<(EngineHarness H, Torrent Torrent, ShoalClient Seeder, string SeedDir)> SeedAsync()
    {
        var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 1_000_000)], pieceLength: 32 * 1024);
        var seeder = await h.ClientAsync();
        var seed = seeder.Add(torrent, seedDir);
        await seed.StartAsync();
        await EngineHarness.WaitCompleteAsync(seed);
        return (h, torrent, seeder, seedDir);
    }

    /// <summary>Waits for the error, checks it names the fault, then restarts and waits for the download.</summary>
    private static async Task AssertFailsVisiblyThenCompletesAfterRestart(TorrentSession leech, OneFault fault, Torrent torrent, string seedDir, string dir)
    {
        await EngineHarness.WaitUntilAsync(() => leech.State == TorrentState.Error, 15, $"the fault to show as an error ({leech.GetStatus()})");
        Assert.True(fault.Fired);
        var status = leech.GetStatus();
        Assert.Equal(TorrentState.Error, status.State);
        Assert.Contains(Injected, status.Error);
        Assert.Contains("internal error", status.Error);
        Assert.Equal(leech.Error, status.Error);

        await leech.StartAsync();
        await EngineHarness.WaitCompleteAsync(leech, 30);
        Assert.Null(leech.Error);
        EngineHarness.AssertSameFiles(torrent, seedDir, dir);
    }

    [Fact]
    public async Task A_storage_that_throws_while_writing_a_piece_fails_the_torrent_and_the_piece_is_fetched_again_after_a_restart()
    {
        var (h, torrent, seeder, seedDir) = await SeedAsync();
        await using var _ = h;
        var fault = new OneFault();
        var leecher = await h.ClientAsync();
        leecher.BeforePieceWrite = piece =>
        {
            if (piece == 7)
                fault.Throw($"the write of piece {piece}");
        };
        string dir = h.NewDir();
        var leech = leecher.Add(torrent, dir, new TorrentOptions { Peers = [EngineHarness.EndPoint(seeder)] });
        await leech.StartAsync();
        await AssertFailsVisiblyThenCompletesAfterRestart(leech, fault, torrent, seedDir, dir);
    }

    private sealed class ThrowingSource(IPeerSourceHost host, IPEndPoint seed, OneFault fault) : IPeerSource
    {
        public string Name => "faulty";

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            await Task.Yield();
            host.AddPeers([seed], PeerOrigin.User);
            fault.Throw("a peer source"); // after handing out a peer: the download must not go on as if nothing happened
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        public void Nudge()
        {
        }
    }

    [Fact]
    public async Task A_peer_source_that_throws_fails_the_torrent_at_once_not_when_it_stops()
    {
        var (h, torrent, seeder, seedDir) = await SeedAsync();
        await using var _ = h;
        var fault = new OneFault();
        var leecher = await h.ClientAsync();
        leecher.AddPeerSource((host, _, _) => new ThrowingSource(host, EngineHarness.EndPoint(seeder), fault));
        string dir = h.NewDir();
        var leech = leecher.Add(torrent, dir);
        await leech.StartAsync();
        await AssertFailsVisiblyThenCompletesAfterRestart(leech, fault, torrent, seedDir, dir);
    }

    /// <summary>TCP, except that its first dial throws what no transport should.</summary>
    private sealed class ThrowingTransport(OneFault fault) : ITransport
    {
        private readonly TcpTransport _tcp = new();
        public string Name => "faulty-tcp";

        public Task<PeerStream> ConnectAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
        {
            fault.Throw("a transport's dial");
            return _tcp.ConnectAsync(endPoint, cancellationToken);
        }

        public Task StartListening(Action<PeerStream> incoming, CancellationToken cancellationToken) => Task.CompletedTask;

        public ValueTask DisposeAsync() => _tcp.DisposeAsync();
    }

    [Fact]
    public async Task A_transport_that_throws_while_dialling_fails_the_torrent()
    {
        var (h, torrent, seeder, seedDir) = await SeedAsync();
        await using var _ = h;
        var fault = new OneFault();
        var leecher = await h.ClientAsync();
        leecher.AddTransport(new ThrowingTransport(fault), preferred: true);
        string dir = h.NewDir();
        var leech = leecher.Add(torrent, dir, new TorrentOptions { Peers = [EngineHarness.EndPoint(seeder)] });
        await leech.StartAsync();
        await AssertFailsVisiblyThenCompletesAfterRestart(leech, fault, torrent, seedDir, dir);
    }

    private sealed class ThrowingExtension(OneFault fault) : IPeerExtension
    {
        public string Name => "x_faulty";

        public void AddHandshakeKeys(BDictionary handshake, SwarmPeer peer)
        {
        }

        public void OnHandshake(SwarmPeer peer, ExtensionHandshake remote) => fault.Throw("an extension's handshake");

        public void OnMessage(SwarmPeer peer, ReadOnlySpan<byte> payload)
        {
        }

        public void OnDisconnected(SwarmPeer peer)
        {
        }
    }

    [Fact]
    public async Task An_extension_that_throws_on_a_peers_handshake_fails_the_torrent_instead_of_passing_as_a_disconnect()
    {
        var (h, torrent, seeder, seedDir) = await SeedAsync();
        await using var _ = h;
        var fault = new OneFault();
        var leecher = await h.ClientAsync();
        leecher.AddExtension(_ => new ThrowingExtension(fault));
        string dir = h.NewDir();
        var leech = leecher.Add(torrent, dir, new TorrentOptions { Peers = [EngineHarness.EndPoint(seeder)] });
        await leech.StartAsync();
        await AssertFailsVisiblyThenCompletesAfterRestart(leech, fault, torrent, seedDir, dir);
    }
}

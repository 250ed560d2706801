using System.Collections.Concurrent;
using System.Net;
using Shoal.Discovery;
using Shoal.Metainfo;
using Shoal.Peers;
using Shoal.Tests.Engine;

namespace Shoal.Tests.Discovery;

/// <summary>The LSD schedule of one torrent, on a fake clock, against a recording stand-in for the multicast.</summary>
public class LsdSourceTests
{
    private sealed class Multicast : ILocalDiscovery
    {
        public ConcurrentQueue<IReadOnlyList<InfoHash>> Announces { get; } = new();
        public ConcurrentDictionary<InfoHash, Action<IPEndPoint>> Registered { get; } = new();
        public void Register(InfoHash infoHash, Action<IPEndPoint> found) => Registered[infoHash] = found;
        public void Unregister(InfoHash infoHash) => Registered.TryRemove(infoHash, out _);
        public int Announce(IReadOnlyList<InfoHash> hashes, int port)
        {
            Announces.Enqueue(hashes);
            return 1;
        }
    }

    private readonly CountingTime _time = new();
    private readonly FakeSourceHost _host = new();
    private readonly Multicast _lsd = new();

    private LsdSource Source() => new(_host, _lsd, new LsdOptions(), _time, () => 6881);

    private async Task AnnouncesAsync(int count)
    {
        await EngineHarness.WaitUntilAsync(() => _lsd.Announces.Count >= count, 10, $"announce #{count}");
        await EngineHarness.WaitUntilAsync(() => _time.Timers >= count, 10, $"the wait after announce #{count}");
    }

    [Fact]
    public async Task Announces_at_start_and_every_five_minutes_and_a_nudge_never_within_a_minute()
    {
        using var stop = new CancellationTokenSource();
        var source = Source();
        var run = source.RunAsync(stop.Token);
        await AnnouncesAsync(1);
        Assert.Equal([_host.InfoHashes.V1!.Value], _lsd.Announces.Single());

        _time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        Assert.Single(_lsd.Announces);
        _time.Advance(TimeSpan.FromSeconds(1));
        await AnnouncesAsync(2);

        // Nudged 10 s after an announce: the next waits out the minute.
        _time.Advance(TimeSpan.FromSeconds(10));
        source.Nudge();
        await EngineHarness.WaitUntilAsync(() => _time.Timers >= 3, 10, "the wait for the minute");
        Assert.Equal(2, _lsd.Announces.Count);
        _time.Advance(TimeSpan.FromSeconds(50));
        await EngineHarness.WaitUntilAsync(() => _lsd.Announces.Count == 3, 10, "the nudged announce");

        await stop.CancelAsync();
        await run;
        Assert.Empty(_lsd.Registered);
    }

    [Fact]
    public async Task After_a_network_change_it_announces_at_once_even_within_the_minute()
    {
        using var stop = new CancellationTokenSource();
        var source = Source();
        var run = source.RunAsync(stop.Token);
        await AnnouncesAsync(1);
        _time.Advance(TimeSpan.FromSeconds(10));
        source.NetworkChanged(); // the first announce went out on the old network
        await EngineHarness.WaitUntilAsync(() => _lsd.Announces.Count == 2, 10, "the announce on the new network");
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task Peers_heard_join_as_local_lsd_peers_until_the_torrent_turns_out_private()
    {
        using var stop = new CancellationTokenSource();
        var run = Source().RunAsync(stop.Token);
        await AnnouncesAsync(1);
        var heard = _lsd.Registered[_host.InfoHashes.V1!.Value];
        heard(new IPEndPoint(IPAddress.Parse("10.1.2.3"), 51413));
        heard(new IPEndPoint(IPAddress.Parse("10.1.2.4"), 0)); // no port: not a peer
        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.1.2.3"), 51413), Assert.Single(_host.Peers));
        Assert.Equal((PeerSources.Lsd, PeerTraits.Local), Assert.Single(_host.Kinds));

        // A magnet's metadata said private: nothing more is taken, and nothing more announced.
        _host.Private = true;
        heard(new IPEndPoint(IPAddress.Parse("10.1.2.5"), 51413));
        Assert.Single(_host.Peers);
        _time.Advance(TimeSpan.FromMinutes(5));
        await run.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Single(_lsd.Announces);
    }
}

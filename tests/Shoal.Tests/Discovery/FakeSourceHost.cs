using System.Collections.Concurrent;
using System.Net;
using Shoal.Discovery;
using Shoal.Metainfo;
using Shoal.Peers;

namespace Shoal.Tests.Discovery;

/// <summary>A torrent as a peer source sees it, recording the peers (and their kind) handed to it.</summary>
internal sealed class FakeSourceHost : IEngineSourceHost
{
    public ConcurrentQueue<IPEndPoint> Peers { get; } = new();
    public ConcurrentQueue<(PeerSources Source, PeerTraits Traits)> Kinds { get; } = new();
    public volatile bool Complete;
    public string? LastError;
    public InfoHashes InfoHashes { get; } = new(new InfoHash(new byte[20]), null);
    public volatile bool Private;
    public bool IsPrivate => Private;
    public IReadOnlyList<IReadOnlyList<string>> Trackers { get; set; } = [["http://tracker.invalid/announce"]];
    public TrackerLog TrackerLog { get; } = new();
    public AnnounceStats GetAnnounceStats() => new(0, 0, Complete ? 0 : 1000, Complete);
    public void AddPeers(IEnumerable<IPEndPoint> peers, PeerSources source, PeerTraits traits = PeerTraits.None)
    {
        foreach (var peer in peers)
        {
            Peers.Enqueue(peer);
            Kinds.Enqueue((source, traits));
        }
    }
    public void AddPeers(IEnumerable<IPEndPoint> peers, PeerOrigin origin) => AddPeers(peers, PeerSources.Manual);
    public ConcurrentQueue<(string Url, Shoal.WebSeeds.WebSeedKind Kind)> WebSeeds { get; } = new();
    public void AddWebSeeds(IEnumerable<string> urls) => AddWebSeeds(urls, Shoal.WebSeeds.WebSeedKind.UrlList);
    public void AddWebSeeds(IEnumerable<string> urls, Shoal.WebSeeds.WebSeedKind kind)
    {
        foreach (var url in urls)
            WebSeeds.Enqueue((url, kind));
    }
    public void ReportSourceError(string source, string? error) => LastError = error;
}

using System.Net;
using Shoal.Discovery;
using Shoal.Metainfo;
using Shoal.Net;
using Shoal.Peers;
using Shoal.WebSeeds;
using Shoal.Wire;

namespace Shoal;

/// <summary>
/// The torrent as its peer sources and the incoming router see it: its trackers (the user's list
/// or the metainfo's) and their outcomes, announces on request, and the peers handed to it.
/// </summary>
public sealed partial class TorrentSession
{
    /// <summary>The trackers in BEP 12 tiers: the user's list when one was set, else the metainfo's (or the magnet's).</summary>
    public IReadOnlyList<IReadOnlyList<string>> Trackers => _trackers ?? (_torrent?.Trackers is { Count: > 0 } t ? t : Identity.Trackers);

    /// <summary>Replaces the tracker list (tiers of URLs); a running torrent announces to the new list at once.</summary>
    public void SetTrackers(IReadOnlyList<IReadOnlyList<string>> tiers)
    {
        ArgumentNullException.ThrowIfNull(tiers);
        _trackers = [.. tiers.Select(t => (IReadOnlyList<string>)[.. t]).Where(t => t.Count > 0)];
        Reannounce();
    }

    /// <summary>Each tracker with the outcome of its last announce.</summary>
    public IReadOnlyList<Discovery.TrackerInfo> GetTrackers() => TrackerLog.Snapshot(Trackers);

    /// <summary>Asks every peer source (trackers, DHT, LSD) to announce now rather than at its next turn.</summary>
    public void Reannounce() => _swarm?.Run.NudgeSources();

    internal Discovery.TrackerLog TrackerLog { get; } = new();
    /// <summary>Web seeds the sources handed over (under <see cref="Gate"/>; bounded per kind).</summary>
    private readonly List<(string Url, WebSeedKind Kind)> _webSeeds = [];

    internal void NetworkChanged() => _swarm?.Run.NetworkChanged();

    // ---------------------------------------------------------------- peer sources and incoming peers

    InfoHashes IPeerSourceHost.InfoHashes => Identity.InfoHashes;
    bool IPeerSourceHost.IsPrivate => _torrent?.IsPrivate ?? Identity.IsPrivate;
    Discovery.TrackerLog IEngineSourceHost.TrackerLog => TrackerLog;

    AnnounceStats IEngineSourceHost.GetAnnounceStats()
    {
        var status = GetStatus();
        // Before the metadata the size is unknown: say a little is left, never 'seed'.
        long left = _torrent is null ? 16 * 1024 : status.WantedBytes - status.VerifiedBytes;
        return new AnnounceStats(status.Uploaded, status.Downloaded, left, status.State == TorrentState.Seeding && left == 0);
    }

    void IPeerSourceHost.AddPeers(IEnumerable<IPEndPoint> peers, PeerOrigin origin)
    {
        var (source, traits) = origin.Source();
        ((IEngineSourceHost)this).AddPeers(peers.Where(EndPoints.IsPeerAddress).Select(EndPoints.Normalize), source, traits);
    }

    void IEngineSourceHost.AddPeers(IEnumerable<IPEndPoint> peers, PeerSources source, PeerTraits traits)
    {
        bool added = false;
        lock (Gate)
        {
            foreach (var peer in peers)
                added |= Peers.Add(peer, source, traits);
        }
        RankPending();
        if (added)
            _swarm?.Ticker.DialMore();
    }

    void IPeerSourceHost.AddWebSeeds(IEnumerable<string> urls) => ((IEngineSourceHost)this).AddWebSeeds(urls, WebSeedKind.UrlList);

    void IEngineSourceHost.AddWebSeeds(IEnumerable<string> urls, WebSeedKind kind)
    {
        bool added = false;
        lock (Gate)
        {
            foreach (var url in urls)
            {
                if (!WebSeedUrl.IsUsable(url) || _webSeeds.Contains((url, kind)) || _webSeeds.Count(w => w.Kind == kind) >= WebSeedLink.MaxServers)
                    continue;
                _webSeeds.Add((url, kind));
                added = true;
            }
            if (added)
                _swarm?.Content?.Links.LinkWebSeeds(); // once the content exists; until then it links them when it is made
        }
        if (added)
            _swarm?.Flush();
    }

    /// <summary>The web seeds handed over by the sources, in order (under the lock).</summary>
    internal IReadOnlyList<(string Url, WebSeedKind Kind)> WebSeedsKnown => _webSeeds;

    void IPeerSourceHost.ReportSourceError(string source, string? error)
    {
        lock (_sourceErrors)
        {
            if (error is null)
                _sourceErrors.Remove(source);
            else
                _sourceErrors[source] = error;
        }
        if (error is not null)
            EngineLog.SourceError(Logger, Name, source, error);
    }

    Task IIncomingTarget.AcceptAsync(PeerStream stream, Handshake remote, CancellationToken cancellationToken) =>
        _swarm is { } swarm ? swarm.Admission.AcceptAsync(stream, remote, cancellationToken) : RefuseAsync(stream);

    private static async Task RefuseAsync(PeerStream stream) => await stream.DisposeAsync().ConfigureAwait(false);
}

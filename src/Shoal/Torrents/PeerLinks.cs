using Shoal.Peers;
using Shoal.Supervision;
using Shoal.Swarm;
using Shoal.Wire;
using Shoal.WebSeeds;

namespace Shoal;

/// <summary>
/// The torrent's side of its non-wire peers (web seeds): each becomes a <see cref="SwarmPeer"/>
/// that has every piece and never chokes, scheduled like any other peer; its blocks, refusals
/// and departure come back through <see cref="IPeerLinkSink"/>. Part of the content: links are
/// made only once the metadata is known.
/// </summary>
internal sealed class PeerLinks(TorrentSwarm swarm, TorrentContent content) : IPeerLinkSink
{
    private readonly Dictionary<IPeer, SwarmPeer> _links = [];
    private readonly TaskOwner _tasks = new(swarm.Fault, swarm.Token);

    public void Own(string what, Task work) => _tasks.Own(what, work);

    /// <summary>Waits for every link's work to end (after <see cref="CloseAll"/>).</summary>
    public Task DrainAsync() => _tasks.DrainAsync();

    /// <summary>The web seeds linked in this run (each once; one that gave up is not linked again).</summary>
    private readonly HashSet<(string Url, WebSeedKind Kind)> _webSeedsLinked = [];

    /// <summary>Links the web seeds the sources handed over so far and asks every registered factory for its links (under no lock).</summary>
    public void Create()
    {
        var torrent = content.Torrent;
        var links = swarm.Client.PeerLinkFactories.SelectMany(factory => factory(swarm.Session, torrent, this)).ToList();
        lock (swarm.Gate)
        {
            foreach (var link in links)
                Join(link);
            LinkWebSeeds();
        }
        swarm.Flush();
    }

    /// <summary>Links each web seed not linked yet, while the torrent downloads (under the lock).</summary>
    public void LinkWebSeeds()
    {
        if (swarm.Seeding || swarm.Token.IsCancellationRequested)
            return;
        foreach (var seed in swarm.Session.WebSeedsKnown)
        {
            if (_webSeedsLinked.Add(seed) && WebSeedLink.For(swarm.Client, content.Torrent, seed.Url, seed.Kind, this) is { } link)
                Join(link);
        }
    }

    /// <summary>A link joins the swarm as a peer that has every piece and never chokes (under the lock).</summary>
    private void Join(IPeer link)
    {
        var torrent = content.Torrent;
        var all = new Bitfield(torrent.PieceCount);
        all.SetAll();
        var peer = new SwarmPeer(link, null, new Bitfield(torrent.PieceCount), swarm.Client.Time, outgoing: true)
        {
            Origin = PeerOrigin.WebSeed,
            PeerChoking = false,
            IsLocal = link is WebSeedLink { HostAddress: { } host } && swarm.Client.Sites.IsLocal(host),
        };
        _links[link] = peer;
        swarm.Peers.Add(peer);
        swarm.CountPeers();
        content.Scheduler.MergeHas(peer, all);
    }

    public void OnBlock(IPeer link, BlockRequest request, ReadOnlySpan<byte> data)
    {
        lock (swarm.Gate)
        {
            if (!_links.TryGetValue(link, out var peer) || peer.IsClosed)
                return;
            try
            {
                content.Scheduler.OnBlock(peer, request.Piece, request.Begin, data);
            }
            catch (PeerProtocolException e)
            {
                link.Close(e.Message);
            }
        }
        swarm.Flush(); // and the piece job of a block that completed its piece
    }

    public void OnRejected(IPeer link, BlockRequest request)
    {
        lock (swarm.Gate)
        {
            if (_links.TryGetValue(link, out var peer) && peer.Outstanding.Remove(request))
                content.Picker.Release(peer, request);
        }
    }

    public void OnClosed(IPeer link, string reason)
    {
        lock (swarm.Gate)
        {
            if (!_links.Remove(link, out var peer))
                return;
            swarm.Leave(peer, reason); // the same way out as a wire peer's
        }
        swarm.Flush();
    }

    /// <summary>Closes every link (the torrent stops); each reports its closing.</summary>
    public void CloseAll()
    {
        List<IPeer> links;
        lock (swarm.Gate)
            links = [.. _links.Keys];
        foreach (var link in links)
        {
            link.Close("torrent stopped");
            OnClosed(link, "torrent stopped");
        }
    }
}

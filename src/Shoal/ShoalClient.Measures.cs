using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Shoal.Dht;
using Shoal.Peers;

namespace Shoal;

/// <summary>What the client measures across its torrents (bytes moved, our address as others see it) and how it ranks addresses for dialling.</summary>
public sealed partial class ShoalClient
{
    private readonly ExternalAddressVotes _addressVotes = new();
    private volatile IPAddress? _externalAddress;
    private long _downloaded;
    private long _uploaded;
    private long _downloadedFromSite;

    /// <summary>Payload bytes received by every torrent since the client was made (removed torrents included).</summary>
    public long TotalDownloaded => Interlocked.Read(ref _downloaded);

    /// <summary>
    /// Of <see cref="TotalDownloaded"/>, the bytes that came from peers of our own site (the site map:
    /// the LAN, not the WAN link). The rest came from afar: other sites, web seeds.
    /// </summary>
    public long TotalDownloadedFromSite => Interlocked.Read(ref _downloadedFromSite);

    /// <summary>Blocks sent to peers from the read cache (<see cref="ShoalClientOptions.ReadCacheSize"/>), over all torrents.</summary>
    public long ReadCacheHits => ReadCache?.Hits ?? 0;

    /// <summary>Blocks sent to peers that were read from disk (alone, or with the rest of their chunk into the cache), over all torrents.</summary>
    public long ReadCacheMisses => ReadCache?.Misses ?? 0;

    internal Storage.ReadCache? ReadCache { get; }

    /// <summary>Payload bytes sent by every torrent since the client was made (removed torrents included).</summary>
    public long TotalUploaded => Interlocked.Read(ref _uploaded);

    internal void CountDownloaded(int bytes, bool fromSite)
    {
        Interlocked.Add(ref _downloaded, bytes);
        if (fromSite)
            Interlocked.Add(ref _downloadedFromSite, bytes);
    }

    internal void CountUploaded(int bytes) => Interlocked.Add(ref _uploaded, bytes);

    /// <summary>
    /// Our address as peers see it, when known: set here, or learned once
    /// <see cref="ExternalAddressVotes.Quorum"/> different peers or DHT nodes agree on it (BEP 10
    /// 'yourip', BEP 42 'ip'). It orders dialling (BEP 40); a change ranks every known address again.
    /// </summary>
    public IPAddress? ExternalAddress
    {
        get => _externalAddress;
        set
        {
            if (Equals(_externalAddress, value))
                return;
            _externalAddress = value;
            Tasks.Start("ranking peers for our new address", RerankAsync);
        }
    }

    /// <summary>
    /// <paramref name="voter"/> (a peer's or a DHT node's address) says it sees us at
    /// <paramref name="seen"/>. Safe under a torrent's lock: it takes only its own, and the ranking
    /// that follows an agreement runs later on the thread pool.
    /// </summary>
    internal void VoteExternal(IPAddress voter, IPAddress seen)
    {
        IPAddress? agreed;
        lock (_addressVotes)
            agreed = _addressVotes.Vote(voter, seen) ? _addressVotes.Agreed : null;
        if (agreed is not null)
        {
            EngineLog.ExternalAddressLearned(Logger, agreed);
            ExternalAddress = agreed;
        }
    }

    private async Task RerankAsync()
    {
        await Task.Yield();
        foreach (var torrent in Torrents)
        {
            lock (torrent.Gate)
                torrent.Peers.Rerank();
            torrent.RankPending();
        }
    }

    /// <summary>
    /// Dial order for <paramref name="peer"/>: BEP 40 priority against our address, through
    /// <see cref="ShoalClientOptions.PeerRanking"/>, raised for a peer of our own site.
    /// </summary>
    internal long RankPeer(IPEndPoint peer)
    {
        uint canonical = Canonical(peer);
        long ranked = Options.PeerRanking is { } rank ? UserRank(rank, peer, canonical) : canonical;
        return Sites.IsLocal(peer.Address) ? ranked + PeerList.LocalBoost : ranked;
    }

    /// <summary>The engine's own rank of <paramref name="peer"/> (BEP 40, our site): pure, safe under a torrent's lock.</summary>
    internal long EngineRank(IPEndPoint peer)
    {
        long canonical = Canonical(peer);
        return Sites.IsLocal(peer.Address) ? canonical + PeerList.LocalBoost : canonical;
    }

    private uint Canonical(IPEndPoint peer)
    {
        var ours = ExternalAddress is { } external && external.AddressFamily == peer.AddressFamily ? external
            : IPAddress.IsLoopback(peer.Address) ? peer.Address
            : peer.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;
        return CanonicalPeerPriority.Compute(new IPEndPoint(ours, ListenPort), peer);
    }

    private long UserRank(Func<IPEndPoint, uint, long> rank, IPEndPoint peer, uint canonical)
    {
        Supervision.LockRule.UserCode(this, nameof(ShoalClientOptions.PeerRanking));
        return rank(peer, canonical);
    }
}

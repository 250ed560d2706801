using System.Net;
using Microsoft.Extensions.Logging;
using Shoal.Dht;

namespace Shoal;

/// <summary>What the client measures across its torrents: bytes moved, and our address as others see it.</summary>
public sealed partial class ShoalClient
{
    private readonly ExternalAddressVotes _addressVotes = new();
    private volatile IPAddress? _externalAddress;
    private long _downloaded;
    private long _uploaded;

    /// <summary>Payload bytes received by every torrent since the client was made (removed torrents included).</summary>
    public long TotalDownloaded => Interlocked.Read(ref _downloaded);

    /// <summary>Payload bytes sent by every torrent since the client was made (removed torrents included).</summary>
    public long TotalUploaded => Interlocked.Read(ref _uploaded);

    internal void CountDownloaded(int bytes) => Interlocked.Add(ref _downloaded, bytes);

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
}

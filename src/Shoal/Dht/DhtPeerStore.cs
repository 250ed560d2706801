using System.Net;

namespace Shoal.Dht;

/// <summary>
/// The peers announced to us (announce_peer), per info-hash, each kept for <see cref="Lifetime"/>
/// after its last announce. Bounded: at most <see cref="MaxHashes"/> info-hashes and
/// <see cref="MaxPeersPerHash"/> peers each; a full store replaces its stalest entry.
/// </summary>
internal sealed class DhtPeerStore(TimeProvider time)
{
    public const int MaxHashes = 5_000;
    public const int MaxPeersPerHash = 300;
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(30);
    private readonly Dictionary<NodeId, Dictionary<IPEndPoint, long>> _swarms = [];
    private readonly Lock _gate = new();

    public int HashCount
    {
        get
        {
            lock (_gate)
                return _swarms.Count;
        }
    }

    public void Add(NodeId infoHash, IPEndPoint peer)
    {
        long now = time.GetTimestamp();
        lock (_gate)
        {
            if (!_swarms.TryGetValue(infoHash, out var peers))
            {
                if (_swarms.Count >= MaxHashes)
                {
                    Expire(now);
                    if (_swarms.Count >= MaxHashes)
                        _swarms.Remove(_swarms.MinBy(s => s.Value.Values.Max()).Key);
                }
                _swarms[infoHash] = peers = [];
            }
            if (!peers.ContainsKey(peer) && peers.Count >= MaxPeersPerHash)
                peers.Remove(peers.MinBy(p => p.Value).Key);
            peers[peer] = now;
        }
    }

    /// <summary>Up to <paramref name="count"/> live peers of <paramref name="infoHash"/> of one family, a random choice when there are more.</summary>
    public List<IPEndPoint> Get(NodeId infoHash, System.Net.Sockets.AddressFamily family, int count, Random random)
    {
        long now = time.GetTimestamp();
        lock (_gate)
        {
            if (!_swarms.TryGetValue(infoHash, out var peers))
                return [];
            var live = peers.Where(p => time.GetElapsedTime(p.Value, now) < Lifetime && p.Key.AddressFamily == family).Select(p => p.Key).ToArray();
            random.Shuffle(live);
            return [.. live.Take(count)];
        }
    }

    /// <summary>Up to <paramref name="count"/> stored info-hashes at random (BEP 51), and how many there are.</summary>
    public (List<NodeId> Samples, int Total) Sample(int count, Random random)
    {
        lock (_gate)
        {
            var all = _swarms.Keys.ToArray();
            random.Shuffle(all);
            return ([.. all.Take(count)], all.Length);
        }
    }

    /// <summary>Forgets peers not announced for <see cref="Lifetime"/>, and info-hashes left with none.</summary>
    public void Expire()
    {
        lock (_gate)
            Expire(time.GetTimestamp());
    }

    private void Expire(long now)
    {
        foreach (var (hash, peers) in _swarms.ToList())
        {
            foreach (var (peer, seen) in peers.ToList())
            {
                if (time.GetElapsedTime(seen, now) >= Lifetime)
                    peers.Remove(peer);
            }
            if (peers.Count == 0)
                _swarms.Remove(hash);
        }
    }
}

namespace Shoal.Dht;

/// <summary>
/// The BEP 5 routing table: buckets of at most K nodes, where bucket b holds the nodes sharing
/// exactly b leading bits with our id and the last bucket all that share more; only the last one
/// (the one our id falls in) splits when full. Each bucket keeps a small replacement cache.
/// Pure: time comes from the <see cref="TimeProvider"/>, and what to ping is returned, not sent.
/// </summary>
internal sealed class RoutingTable(NodeId own, TimeProvider time, int k = RoutingTable.K)
{
    public const int K = 8;
    public const int MaxBuckets = 160;
    public const int ReplacementCacheSize = 8;
    public const int FailuresBeforeBad = 2;
    public static readonly TimeSpan GoodFor = TimeSpan.FromMinutes(15);

    private readonly List<Bucket> _buckets = [new Bucket(time.GetTimestamp())];

    public NodeId Own { get; } = own;
    public int Count => _buckets.Sum(b => b.Nodes.Count);
    public int BucketCount => _buckets.Count;

    public NodeLiveness Liveness(RoutingNode node)
    {
        if (node.Failures >= FailuresBeforeBad)
            return NodeLiveness.Bad;
        long now = time.GetTimestamp();
        if (node.LastResponse != 0 && (time.GetElapsedTime(node.LastResponse, now) < GoodFor
            || (node.LastQuery != 0 && time.GetElapsedTime(node.LastQuery, now) < GoodFor)))
            return NodeLiveness.Good;
        return NodeLiveness.Questionable;
    }

    public RoutingNode? Find(NodeId id) => BucketOf(id).Nodes.FirstOrDefault(n => n.Id == id);

    /// <summary>
    /// Records a node that answered a query of ours (<paramref name="responded"/>) or queried us.
    /// A node that answered joins when there is room (replacing a bad node, or after a split), else
    /// waits in its bucket's replacement cache. Returns a node worth pinging: a questionable one in
    /// a full bucket, or a stranger that only queried us and would find room; null when there is none.
    /// </summary>
    public DhtNode? Seen(DhtNode node, bool responded)
    {
        if (node.Id == Own)
            return null;
        long now = time.GetTimestamp();
        var bucket = BucketOf(node.Id);
        if (bucket.Nodes.FirstOrDefault(n => n.Id == node.Id) is { } known)
        {
            known.EndPoint = node.EndPoint;
            if (responded)
            {
                known.LastResponse = now;
                known.Failures = 0;
            }
            else
            {
                known.LastQuery = now;
            }
            bucket.LastChanged = now;
            return null;
        }
        if (!responded)
        {
            // A stranger joins once it answers our ping; worth one only when there is room for it.
            bool room = bucket.Nodes.Count < k || (bucket == _buckets[^1] && _buckets.Count < MaxBuckets)
                || bucket.Nodes.Any(n => Liveness(n) == NodeLiveness.Bad);
            return room ? node : null;
        }
        while (true)
        {
            if (bucket.Nodes.Count < k)
            {
                bucket.Nodes.Add(new RoutingNode(node.Id, node.EndPoint) { LastResponse = now });
                bucket.Replacements.RemoveAll(r => r.Id == node.Id);
                bucket.LastChanged = now;
                return null;
            }
            if (bucket.Nodes.FirstOrDefault(n => Liveness(n) == NodeLiveness.Bad) is { } bad)
            {
                bucket.Nodes.Remove(bad);
                continue;
            }
            if (bucket == _buckets[^1] && _buckets.Count < MaxBuckets)
            {
                Split();
                bucket = BucketOf(node.Id);
                continue;
            }
            bucket.Replacements.RemoveAll(r => r.Id == node.Id);
            bucket.Replacements.Add(node);
            if (bucket.Replacements.Count > ReplacementCacheSize)
                bucket.Replacements.RemoveAt(0);
            return bucket.Nodes.Where(n => Liveness(n) == NodeLiveness.Questionable)
                .OrderBy(n => Math.Max(n.LastResponse, n.LastQuery)).Select(n => (DhtNode?)n.ToDhtNode()).FirstOrDefault();
        }
    }

    /// <summary>A query to <paramref name="id"/> timed out; a node that went bad gives way to the freshest replacement.</summary>
    public void Failed(NodeId id)
    {
        var bucket = BucketOf(id);
        if (bucket.Nodes.FirstOrDefault(n => n.Id == id) is not { } node)
            return;
        node.Failures++;
        if (Liveness(node) == NodeLiveness.Bad && bucket.Replacements.Count > 0)
        {
            bucket.Nodes.Remove(node);
            var replacement = bucket.Replacements[^1];
            bucket.Replacements.RemoveAt(bucket.Replacements.Count - 1);
            bucket.Nodes.Add(new RoutingNode(replacement.Id, replacement.EndPoint));
        }
    }

    /// <summary>Whether a node other than <paramref name="id"/> already sits at <paramref name="address"/>.</summary>
    public bool HasOtherNodeAt(System.Net.IPAddress address, NodeId id) =>
        _buckets.Any(b => b.Nodes.Any(n => n.EndPoint.Address.Equals(address) && n.Id != id));

    /// <summary>The <paramref name="count"/> nodes closest to <paramref name="target"/> that are not bad.</summary>
    public List<DhtNode> Closest(NodeId target, int count) =>
        [.. _buckets.SelectMany(b => b.Nodes).Where(n => Liveness(n) != NodeLiveness.Bad)
            .OrderBy(n => n.Id.Xor(target)).Take(count).Select(n => n.ToDhtNode())];

    /// <summary>Every node (for saving the table).</summary>
    public List<DhtNode> All() => [.. _buckets.SelectMany(b => b.Nodes).Select(n => n.ToDhtNode())];

    /// <summary>Ids to look up to refresh buckets unchanged for <paramref name="age"/>: a random id in each one's range.</summary>
    public List<NodeId> StaleTargets(TimeSpan age, Random random)
    {
        long now = time.GetTimestamp();
        var targets = new List<NodeId>();
        for (int i = 0; i < _buckets.Count; i++)
        {
            if (time.GetElapsedTime(_buckets[i].LastChanged, now) >= age)
                targets.Add(RandomIdInBucket(i, random));
        }
        return targets;
    }

    private NodeId RandomIdInBucket(int index, Random random)
    {
        // Shares 'index' leading bits with ours, and (except in the last bucket) differs at the next.
        var id = NodeId.Random(random).Span.ToArray();
        var ours = Own.Span;
        for (int bit = 0; bit < Math.Min(index + 1, NodeId.Length * 8); bit++)
        {
            int mask = 0x80 >> (bit % 8);
            bool ourBit = (ours[bit / 8] & mask) != 0;
            bool want = bit < index || index == _buckets.Count - 1 ? ourBit : !ourBit;
            id[bit / 8] = (byte)(want ? id[bit / 8] | mask : id[bit / 8] & ~mask);
        }
        return new NodeId(id);
    }

    private Bucket BucketOf(NodeId id) => _buckets[Math.Min(Own.CommonPrefix(id), _buckets.Count - 1)];

    /// <summary>Splits the last bucket: the nodes sharing more bits with us move to a new last one.</summary>
    private void Split()
    {
        int depth = _buckets.Count - 1;
        var last = _buckets[^1];
        var next = new Bucket(last.LastChanged);
        foreach (var node in last.Nodes.Where(n => Own.CommonPrefix(n.Id) > depth).ToList())
        {
            last.Nodes.Remove(node);
            next.Nodes.Add(node);
        }
        foreach (var replacement in last.Replacements.Where(r => Own.CommonPrefix(r.Id) > depth).ToList())
        {
            last.Replacements.Remove(replacement);
            next.Replacements.Add(replacement);
        }
        _buckets.Add(next);
    }

    private sealed class Bucket(long created)
    {
        public List<RoutingNode> Nodes { get; } = [];
        public List<DhtNode> Replacements { get; } = [];
        public long LastChanged { get; set; } = created;
    }
}

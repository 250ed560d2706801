namespace Shoal.Dht.Items;

/// <summary>Why a put was refused: a BEP 44 (or BEP 5) error code and a sentence.</summary>
internal sealed record PutRefusal(int Code, string Message)
{
    public const int ServerError = 202;
    public const int ValueTooBig = 205;
    public const int InvalidSignature = 206;
    public const int SaltTooBig = 207;
    public const int CasMismatch = 301;
    public const int SequenceTooLow = 302;
}

/// <summary>
/// The BEP 44 items this node stores for others, bounded in count (so in memory: an item is at
/// most about 1.2 KB) and each forgotten two hours after its last put. A mutable item only moves
/// forward: a lower sequence number is refused, as is an equal one with another value (the same
/// value again only refreshes it), and a compare-and-swap must name the sequence number stored.
/// When full, new targets are refused (not older items evicted): a node that floods puts cannot
/// push out what others stored. Thread-safe.
/// </summary>
internal sealed class DhtItemStore(TimeProvider time, int maxItems = DhtItemStore.DefaultMaxItems)
{
    public const int DefaultMaxItems = 4096;
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(2);
    private readonly Dictionary<NodeId, (DhtItem Item, long StoredAt)> _items = [];

    public int Count
    {
        get
        {
            lock (_items)
                return _items.Count;
        }
    }

    /// <summary>The item stored under <paramref name="target"/>, unless none or expired.</summary>
    public DhtItem? Get(NodeId target)
    {
        lock (_items)
        {
            if (!_items.TryGetValue(target, out var stored))
                return null;
            if (time.GetElapsedTime(stored.StoredAt) < Lifetime)
                return stored.Item;
            _items.Remove(target);
            return null;
        }
    }

    /// <summary>Stores or refreshes <paramref name="item"/> (already checked: hash, sizes, signature); null when stored, else why not.</summary>
    public PutRefusal? Put(DhtItem item, long? cas = null)
    {
        var target = item.Target;
        long now = time.GetTimestamp();
        lock (_items)
        {
            if (_items.TryGetValue(target, out var stored) && time.GetElapsedTime(stored.StoredAt, now) < Lifetime)
            {
                if (item.IsMutable && Refusal(stored.Item, item, cas) is { } refused)
                    return refused;
                _items[target] = (item, now); // immutable: the same value again; mutable: newer, or the same again
                return null;
            }
            if (!_items.ContainsKey(target) && _items.Count >= maxItems)
            {
                RemoveExpired(now);
                if (_items.Count >= maxItems)
                    return new PutRefusal(PutRefusal.ServerError, $"storage full ({maxItems} items)");
            }
            _items[target] = (item, now);
            return null;
        }
    }

    private static PutRefusal? Refusal(DhtItem stored, DhtItem item, long? cas)
    {
        if (cas is long expected && expected != stored.Sequence)
            return new PutRefusal(PutRefusal.CasMismatch, $"cas {expected} does not match the stored sequence number {stored.Sequence}");
        if (item.Sequence < stored.Sequence)
            return new PutRefusal(PutRefusal.SequenceTooLow, $"sequence number {item.Sequence} is less than the stored {stored.Sequence}");
        if (item.Sequence == stored.Sequence && !item.Value.AsSpan().SequenceEqual(stored.Value))
            return new PutRefusal(PutRefusal.SequenceTooLow, $"sequence number {item.Sequence} is already stored with another value");
        return null;
    }

    private void RemoveExpired(long now)
    {
        foreach (var (target, stored) in _items.ToList())
        {
            if (time.GetElapsedTime(stored.StoredAt, now) >= Lifetime)
                _items.Remove(target);
        }
    }
}

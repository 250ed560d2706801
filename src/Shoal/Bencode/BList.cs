namespace Shoal.Bencode;

/// <summary>A bencoded list.</summary>
public sealed class BList : BValue
{
    private readonly List<BValue> _items;
    /// <summary>An empty list.</summary>
    public BList() => _items = [];
    /// <summary>A list of <paramref name="items"/>.</summary>
    public BList(IEnumerable<BValue> items) => _items = [.. items];

    /// <summary>Its items in order.</summary>
    public IReadOnlyList<BValue> Items => _items;
    /// <summary>How many items it has.</summary>
    public int Count => _items.Count;
    /// <summary>The item at <paramref name="index"/>.</summary>
    public BValue this[int index] => _items[index];
    /// <summary>Appends <paramref name="value"/>.</summary>
    public void Add(BValue value) => _items.Add(value);
}

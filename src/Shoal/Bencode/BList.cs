namespace Shoal.Bencode;

public sealed class BList : BValue
{
    private readonly List<BValue> _items;
    public BList() => _items = [];
    public BList(IEnumerable<BValue> items) => _items = [.. items];

    public IReadOnlyList<BValue> Items => _items;
    public int Count => _items.Count;
    public BValue this[int index] => _items[index];
    public void Add(BValue value) => _items.Add(value);
}

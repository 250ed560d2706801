using System.Text;

namespace Shoal.Bencode;

/// <summary>
/// A dictionary whose keys are byte strings. Decoded dictionaries keep the order of the source;
/// <see cref="Set(string, BValue)"/> inserts in sorted (raw byte) order, as BEP 3 requires for
/// anything we write.
/// </summary>
public sealed class BDictionary : BValue
{
    private readonly List<KeyValuePair<BString, BValue>> _entries = [];

    public IReadOnlyList<KeyValuePair<BString, BValue>> Entries => _entries;
    public int Count => _entries.Count;

    internal void AppendDecoded(BString key, BValue value) => _entries.Add(new(key, value));

    public BValue? this[string key] => Get(Encoding.UTF8.GetBytes(key));

    public BValue? Get(ReadOnlySpan<byte> key)
    {
        foreach (var entry in _entries)
        {
            if (entry.Key.Span.SequenceEqual(key))
                return entry.Value;
        }
        return null;
    }

    public bool ContainsKey(string key) => this[key] is not null;

    public BDictionary Set(string key, BValue value) => Set(new BString(key), value);

    public BDictionary Set(BString key, BValue value)
    {
        Raw = default; // the original encoding no longer describes this dictionary
        int i = 0;
        for (; i < _entries.Count; i++)
        {
            int cmp = _entries[i].Key.Span.SequenceCompareTo(key.Span);
            if (cmp == 0)
            {
                _entries[i] = new(key, value);
                return this;
            }
            if (cmp > 0)
                break;
        }
        _entries.Insert(i, new(key, value));
        return this;
    }

    public BDictionary Set(string key, string value) => Set(key, new BString(value));
    public BDictionary Set(string key, long value) => Set(key, new BInteger(value));
    public BDictionary Set(string key, ReadOnlyMemory<byte> value) => Set(key, new BString(value));
}

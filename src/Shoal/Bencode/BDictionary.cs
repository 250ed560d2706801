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

    /// <summary>The entries in order.</summary>
    public IReadOnlyList<KeyValuePair<BString, BValue>> Entries => _entries;
    /// <summary>How many entries it has.</summary>
    public int Count => _entries.Count;

    internal void AppendDecoded(BString key, BValue value) => _entries.Add(new(key, value));

    /// <summary>The value under the UTF-8 <paramref name="key"/>, or null.</summary>
    public BValue? this[string key] => Get(Encoding.UTF8.GetBytes(key));

    /// <summary>The value under the raw <paramref name="key"/>, or null.</summary>
    public BValue? Get(ReadOnlySpan<byte> key)
    {
        foreach (var entry in _entries)
        {
            if (entry.Key.Span.SequenceEqual(key))
                return entry.Value;
        }
        return null;
    }

    /// <summary>True when it has the UTF-8 <paramref name="key"/>.</summary>
    public bool ContainsKey(string key) => this[key] is not null;

    /// <summary>Sets <paramref name="key"/> (UTF-8) to <paramref name="value"/>, keeping the keys sorted; returns this dictionary.</summary>
    public BDictionary Set(string key, BValue value) => Set(new BString(key), value);

    /// <summary>Sets <paramref name="key"/> to <paramref name="value"/>, keeping the keys sorted; returns this dictionary.</summary>
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

    /// <summary>Sets <paramref name="key"/> to a UTF-8 string.</summary>
    public BDictionary Set(string key, string value) => Set(key, new BString(value));
    /// <summary>Sets <paramref name="key"/> to an integer.</summary>
    public BDictionary Set(string key, long value) => Set(key, new BInteger(value));
    /// <summary>Sets <paramref name="key"/> to a byte string.</summary>
    public BDictionary Set(string key, ReadOnlyMemory<byte> value) => Set(key, new BString(value));
}

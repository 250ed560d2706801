using System.Text;

namespace Shoal.Bencode;

/// <summary>
/// A decoded bencode value. Values produced by <see cref="BencodeReader"/> remember the exact
/// bytes they were decoded from (<see cref="Raw"/>), so hashes such as the info-hash are taken
/// over the original encoding, whatever its key order.
/// </summary>
public abstract class BValue
{
    /// <summary>The original encoded bytes of this value, or empty for values built in code.</summary>
    public ReadOnlyMemory<byte> Raw { get; internal set; }

    /// <summary>Offset of this value in the buffer it was decoded from (-1 when built in code).</summary>
    public int Offset { get; internal set; } = -1;

    /// <summary>The encoded bytes: the original ones when decoded, otherwise a fresh encoding.</summary>
    public ReadOnlyMemory<byte> Encoded => Raw.IsEmpty ? BencodeWriter.Encode(this) : Raw;
}

public sealed class BInteger(long value) : BValue
{
    public long Value { get; } = value;
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

public sealed class BString : BValue, IEquatable<BString>
{
    public BString(ReadOnlyMemory<byte> bytes) => Bytes = bytes;
    public BString(string text) => Bytes = Encoding.UTF8.GetBytes(text);

    public ReadOnlyMemory<byte> Bytes { get; }
    public ReadOnlySpan<byte> Span => Bytes.Span;

    /// <summary>The bytes as UTF-8 text; invalid sequences become U+FFFD.</summary>
    public string Text => Encoding.UTF8.GetString(Bytes.Span);

    public bool Equals(BString? other) => other is not null && Bytes.Span.SequenceEqual(other.Bytes.Span);
    public override bool Equals(object? obj) => Equals(obj as BString);
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(Bytes.Span);
        return hash.ToHashCode();
    }
    public override string ToString() => Text;
}

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

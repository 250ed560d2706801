using System.Numerics;

namespace Shoal.Wire;

/// <summary>A fixed-size set of piece indices, stored as BEP 3 bitfield bytes (high bit first).</summary>
public sealed class Bitfield
{
    private readonly byte[] _bytes;

    /// <summary>A bitfield of <paramref name="count"/> pieces, none set.</summary>
    public Bitfield(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Count = count;
        _bytes = new byte[(count + 7) / 8];
    }

    /// <summary>How many pieces it covers.</summary>
    public int Count { get; }
    /// <summary>How many pieces are set.</summary>
    public int SetCount { get; private set; }
    /// <summary>Every piece is set.</summary>
    public bool All => SetCount == Count;
    /// <summary>No piece is set.</summary>
    public bool None => SetCount == 0;
    /// <summary>Its length in bytes on the wire.</summary>
    public int ByteLength => _bytes.Length;
    /// <summary>The bits as sent on the wire: piece 0 is the high bit of the first byte.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>Whether piece <paramref name="index"/> is set.</summary>
    public bool this[int index]
    {
        get => (_bytes[index >> 3] & (0x80 >> (index & 7))) != 0;
        set
        {
            byte mask = (byte)(0x80 >> (index & 7));
            bool was = (_bytes[index >> 3] & mask) != 0;
            if (was == value)
                return;
            if (value)
                _bytes[index >> 3] |= mask;
            else
                _bytes[index >> 3] &= (byte)~mask;
            SetCount += value ? 1 : -1;
        }
    }

    /// <summary>Sets every piece.</summary>
    public void SetAll()
    {
        for (int i = 0; i < Count; i++)
            this[i] = true;
    }

    /// <summary>A copy that changes independently.</summary>
    public Bitfield Clone()
    {
        var copy = new Bitfield(Count);
        _bytes.CopyTo(copy._bytes, 0);
        copy.SetCount = SetCount;
        return copy;
    }

    /// <summary>
    /// Reads a peer's bitfield: it must be exactly ceil(count/8) bytes with the spare bits at the
    /// end clear (BEP 3 says a peer sending set spare bits should be dropped).
    /// </summary>
    public static Bitfield Parse(ReadOnlySpan<byte> bytes, int count)
    {
        var field = new Bitfield(count);
        if (bytes.Length != field._bytes.Length)
            throw new FormatException($"bitfield of {bytes.Length} bytes for {count} pieces (expected {field._bytes.Length})");
        int spare = field._bytes.Length * 8 - count;
        if (spare > 0 && (bytes[^1] & ((1 << spare) - 1)) != 0)
            throw new FormatException("bitfield has spare bits set past the last piece");
        bytes.CopyTo(field._bytes);
        int set = 0;
        foreach (byte b in field._bytes)
            set += BitOperations.PopCount(b);
        field.SetCount = set;
        return field;
    }

    /// <summary>The indices of the pieces set, in order.</summary>
    public IEnumerable<int> SetIndices()
    {
        for (int i = 0; i < Count; i++)
        {
            if (this[i])
                yield return i;
        }
    }
}

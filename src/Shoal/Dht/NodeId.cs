using System.Numerics;

namespace Shoal.Dht;

/// <summary>A 160-bit DHT node id or target (an info-hash), compared by XOR distance (BEP 5).</summary>
internal readonly struct NodeId : IEquatable<NodeId>, IComparable<NodeId>
{
    public const int Length = 20;
    private readonly byte[] _bytes;

    public NodeId(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Length)
            throw new ArgumentException($"a node id is {Length} bytes, not {bytes.Length}", nameof(bytes));
        _bytes = bytes.ToArray();
    }

    public ReadOnlySpan<byte> Span => _bytes;

    public static NodeId Random(Random random)
    {
        var bytes = new byte[Length];
        random.NextBytes(bytes);
        return new NodeId(bytes);
    }

    /// <summary>XOR distance to <paramref name="other"/>, as a node id.</summary>
    public NodeId Xor(NodeId other)
    {
        var result = new byte[Length];
        for (int i = 0; i < Length; i++)
            result[i] = (byte)(_bytes[i] ^ other._bytes[i]);
        return new NodeId(result);
    }

    /// <summary>How many leading bits two ids share (160 when equal).</summary>
    public int CommonPrefix(NodeId other)
    {
        for (int i = 0; i < Length; i++)
        {
            int x = _bytes[i] ^ other._bytes[i];
            if (x != 0)
                return i * 8 + BitOperations.LeadingZeroCount((uint)x) - 24;
        }
        return Length * 8;
    }

    /// <summary>The bit at <paramref name="index"/> (0 is the most significant).</summary>
    public bool Bit(int index) => (_bytes[index / 8] & (0x80 >> (index % 8))) != 0;

    /// <summary>Whether this id is closer to <paramref name="target"/> than <paramref name="other"/> is.</summary>
    public bool CloserTo(NodeId target, NodeId other) => CompareDistance(target, this, other) < 0;

    /// <summary>Orders <paramref name="a"/> and <paramref name="b"/> by their XOR distance to <paramref name="target"/>.</summary>
    public static int CompareDistance(NodeId target, NodeId a, NodeId b)
    {
        for (int i = 0; i < Length; i++)
        {
            int da = a._bytes[i] ^ target._bytes[i], db = b._bytes[i] ^ target._bytes[i];
            if (da != db)
                return da.CompareTo(db);
        }
        return 0;
    }

    public bool Equals(NodeId other) => Span.SequenceEqual(other.Span);
    public override bool Equals(object? obj) => obj is NodeId other && Equals(other);
    public override int GetHashCode() => BitConverter.ToInt32(_bytes, 0);
    public int CompareTo(NodeId other) => Span.SequenceCompareTo(other.Span);
    public static bool operator ==(NodeId a, NodeId b) => a.Equals(b);
    public static bool operator !=(NodeId a, NodeId b) => !a.Equals(b);
    public static bool operator <(NodeId a, NodeId b) => a.CompareTo(b) < 0;
    public static bool operator >(NodeId a, NodeId b) => a.CompareTo(b) > 0;
    public static bool operator <=(NodeId a, NodeId b) => a.CompareTo(b) <= 0;
    public static bool operator >=(NodeId a, NodeId b) => a.CompareTo(b) >= 0;
    public override string ToString() => Convert.ToHexStringLower(_bytes);
}

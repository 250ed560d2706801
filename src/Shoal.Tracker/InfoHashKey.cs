using System.Buffers.Binary;

namespace Shoal.Tracker;

/// <summary>A 20-byte info-hash as a value key (no allocation to compare or hash).</summary>
public readonly record struct InfoHashKey(ulong A, ulong B, uint C)
{
    public const int Length = 20;

    public static InfoHashKey From(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Length)
            throw new TrackerRequestException($"info_hash must be 20 bytes, not {bytes.Length}");
        return new InfoHashKey(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]),
            BinaryPrimitives.ReadUInt32BigEndian(bytes[16..]));
    }

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, A);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], B);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], C);
    }

    public byte[] ToBytes()
    {
        var bytes = new byte[Length];
        Write(bytes);
        return bytes;
    }

    public string ToHex() => Convert.ToHexStringLower(ToBytes());

    public static bool TryParseHex(string text, out InfoHashKey key)
    {
        key = default;
        text = text.Trim();
        if (text.Length != 40)
            return false;
        try
        {
            key = From(Convert.FromHexString(text));
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

namespace Shoal.Metainfo;

/// <summary>A v1 (SHA-1, 20 bytes) or v2 (SHA-256, 32 bytes) info-hash.</summary>
public readonly struct InfoHash : IEquatable<InfoHash>
{
    private readonly byte[] _bytes;

    public InfoHash(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length is not (20 or 32))
            throw new ArgumentException($"an info-hash is 20 or 32 bytes, not {bytes.Length}", nameof(bytes));
        _bytes = bytes.ToArray();
    }

    public ReadOnlySpan<byte> Span => _bytes;
    public int Length => _bytes?.Length ?? 0;
    public bool IsV2 => Length == 32;

    /// <summary>The first 20 bytes: what v2 uses in handshakes, trackers and the DHT.</summary>
    public InfoHash Truncated => Length == 20 ? this : new InfoHash(_bytes.AsSpan(0, 20));

    public string ToHex() => Convert.ToHexStringLower(_bytes);
    public override string ToString() => ToHex();

    public static InfoHash FromHex(string hex)
    {
        if (hex.Length is not (40 or 64))
            throw new FormatException($"an info-hash is 40 or 64 hex digits, not {hex.Length}");
        return new InfoHash(Convert.FromHexString(hex));
    }

    public bool Equals(InfoHash other) => Span.SequenceEqual(other.Span);
    public override bool Equals(object? obj) => obj is InfoHash other && Equals(other);
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(Span);
        return hash.ToHashCode();
    }
    public static bool operator ==(InfoHash left, InfoHash right) => left.Equals(right);
    public static bool operator !=(InfoHash left, InfoHash right) => !left.Equals(right);
}

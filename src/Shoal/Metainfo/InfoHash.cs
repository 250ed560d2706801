namespace Shoal.Metainfo;

/// <summary>A v1 (SHA-1, 20 bytes) or v2 (SHA-256, 32 bytes) info-hash.</summary>
public readonly struct InfoHash : IEquatable<InfoHash>
{
    private readonly byte[] _bytes;

    /// <summary>An info-hash of <paramref name="bytes"/> (20 or 32 of them).</summary>
    public InfoHash(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length is not (20 or 32))
            throw new ArgumentException($"an info-hash is 20 or 32 bytes, not {bytes.Length}", nameof(bytes));
        _bytes = bytes.ToArray();
    }

    /// <summary>Its bytes.</summary>
    public ReadOnlySpan<byte> Span => _bytes;
    /// <summary>20 (v1) or 32 (v2).</summary>
    public int Length => _bytes?.Length ?? 0;
    /// <summary>True for a v2 (SHA-256) hash.</summary>
    public bool IsV2 => Length == 32;

    /// <summary>The first 20 bytes: what v2 uses in handshakes, trackers and the DHT.</summary>
    public InfoHash Truncated => Length == 20 ? this : new InfoHash(_bytes.AsSpan(0, 20));

    /// <summary>Lower-case hex.</summary>
    public string ToHex() => Convert.ToHexStringLower(_bytes);
    /// <inheritdoc/>
    public override string ToString() => ToHex();

    /// <summary>Parses 40 or 64 hex digits; throws <see cref="FormatException"/> otherwise.</summary>
    public static InfoHash FromHex(string hex)
    {
        if (hex.Length is not (40 or 64))
            throw new FormatException($"an info-hash is 40 or 64 hex digits, not {hex.Length}");
        return new InfoHash(Convert.FromHexString(hex));
    }

    /// <inheritdoc/>
    public bool Equals(InfoHash other) => Span.SequenceEqual(other.Span);
    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is InfoHash other && Equals(other);
    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(Span);
        return hash.ToHashCode();
    }
    /// <summary>Equal bytes.</summary>
    public static bool operator ==(InfoHash left, InfoHash right) => left.Equals(right);
    /// <summary>Different bytes.</summary>
    public static bool operator !=(InfoHash left, InfoHash right) => !left.Equals(right);
}

namespace Shoal.Bencode;

/// <summary>A bencoded integer.</summary>
public sealed class BInteger(long value) : BValue
{
    /// <summary>Its value.</summary>
    public long Value { get; } = value;
    /// <inheritdoc/>
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

using System.Text;

namespace Shoal.Bencode;

/// <summary>A bencoded byte string (often, but not always, UTF-8 text).</summary>
public sealed class BString : BValue, IEquatable<BString>
{
    /// <summary>A byte string of <paramref name="bytes"/>.</summary>
    public BString(ReadOnlyMemory<byte> bytes) => Bytes = bytes;
    /// <summary>A byte string of <paramref name="text"/> in UTF-8.</summary>
    public BString(string text) => Bytes = Encoding.UTF8.GetBytes(text);

    /// <summary>Its bytes.</summary>
    public ReadOnlyMemory<byte> Bytes { get; }
    /// <summary>Its bytes as a span.</summary>
    public ReadOnlySpan<byte> Span => Bytes.Span;

    /// <summary>The bytes as UTF-8 text; invalid sequences become U+FFFD.</summary>
    public string Text => Encoding.UTF8.GetString(Bytes.Span);

    /// <inheritdoc/>
    public bool Equals(BString? other) => other is not null && Bytes.Span.SequenceEqual(other.Bytes.Span);
    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as BString);
    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(Bytes.Span);
        return hash.ToHashCode();
    }
    /// <inheritdoc/>
    public override string ToString() => Text;
}

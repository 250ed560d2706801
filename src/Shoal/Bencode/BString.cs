using System.Text;

namespace Shoal.Bencode;

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

namespace Shoal.Bencode;

/// <summary>Malformed or over-limit bencode: says what is wrong and at which byte offset.</summary>
public sealed class BencodeException(string reason, int offset)
    : FormatException($"invalid bencode at byte {offset}: {reason}")
{
    /// <summary>What is wrong.</summary>
    public string Reason { get; } = reason;
    /// <summary>The byte offset in the input where it went wrong.</summary>
    public int Offset { get; } = offset;
}

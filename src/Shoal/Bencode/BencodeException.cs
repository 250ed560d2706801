namespace Shoal.Bencode;

/// <summary>Malformed or over-limit bencode: says what is wrong and at which byte offset.</summary>
public sealed class BencodeException(string reason, int offset)
    : FormatException($"invalid bencode at byte {offset}: {reason}")
{
    public string Reason { get; } = reason;
    public int Offset { get; } = offset;
}

namespace Shoal.Bencode;

/// <summary>
/// A decoded bencode value. Values produced by <see cref="BencodeReader"/> remember the exact
/// bytes they were decoded from (<see cref="Raw"/>), so hashes such as the info-hash are taken
/// over the original encoding, whatever its key order.
/// </summary>
public abstract class BValue
{
    /// <summary>The original encoded bytes of this value, or empty for values built in code.</summary>
    public ReadOnlyMemory<byte> Raw { get; internal set; }

    /// <summary>Offset of this value in the buffer it was decoded from (-1 when built in code).</summary>
    public int Offset { get; internal set; } = -1;

    /// <summary>The encoded bytes: the original ones when decoded, otherwise a fresh encoding.</summary>
    public ReadOnlyMemory<byte> Encoded => Raw.IsEmpty ? BencodeWriter.Encode(this) : Raw;
}

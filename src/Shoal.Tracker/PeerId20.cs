using System.Runtime.CompilerServices;

namespace Shoal.Tracker;

/// <summary>A 20-byte peer id stored inline (no array per peer).</summary>
[InlineArray(20)]
public struct PeerId20
{
    private byte _first;

    public static PeerId20 From(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != 20)
            throw new TrackerRequestException($"peer_id must be 20 bytes, not {bytes.Length}");
        var id = default(PeerId20);
        bytes.CopyTo(id);
        return id;
    }

    public readonly byte[] ToArray() => ((ReadOnlySpan<byte>)this).ToArray();
}

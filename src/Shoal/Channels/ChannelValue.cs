using Shoal.Bencode;
using Shoal.Metainfo;

namespace Shoal.Channels;

/// <summary>
/// What a channel's item holds (BEP 46): the dictionary <c>{ih: 20-byte info-hash}</c> of the
/// current version's torrent (its v1 hash, or a v2 torrent's truncated one). Anything else is
/// refused: a channel names a torrent and nothing more.
/// </summary>
public static class ChannelValue
{
    /// <summary>The bencoded value for a version whose torrent has <paramref name="infoHash"/> (20 bytes).</summary>
    public static byte[] Encode(InfoHash infoHash)
    {
        if (infoHash.Length != 20)
            throw new ArgumentException($"a channel names a 20-byte info-hash, not {infoHash.Length} bytes", nameof(infoHash));
        var value = new BDictionary();
        value.Set("ih", (ReadOnlyMemory<byte>)infoHash.Span.ToArray());
        return BencodeWriter.Encode(value);
    }

    /// <summary>The info-hash a channel's value names; throws <see cref="FormatException"/> for anything but <c>{ih: 20 bytes}</c>.</summary>
    public static InfoHash Decode(ReadOnlySpan<byte> value)
    {
        BValue decoded;
        try
        {
            decoded = BencodeReader.Decode(value.ToArray(), new BencodeLimits { MaxDepth = 4 });
        }
        catch (BencodeException e)
        {
            throw new FormatException($"the channel's value is not bencoded: {e.Message}", e);
        }
        if (decoded is not BDictionary dict || dict.Count != 1 || dict["ih"] is not BString hash || hash.Span.Length != 20)
            throw new FormatException("the channel's value is not BEP 46's {ih: <20-byte info-hash>}");
        return new InfoHash(hash.Span);
    }
}

using Shoal.Bencode;

namespace Shoal.Extensions;

/// <summary>The three BEP 9 message types.</summary>
internal enum MetadataMessageType
{
    Request = 0,
    Data = 1,
    Reject = 2,
}

/// <summary>
/// A BEP 9 <c>ut_metadata</c> message: a small dictionary (<c>msg_type</c>, <c>piece</c>, and for
/// data <c>total_size</c>) followed, for data, by the block itself. Parsing is bounded: the
/// dictionary may hold a few keys only, and what follows it is returned as a slice, not copied.
/// </summary>
internal readonly record struct MetadataMessage(MetadataMessageType Type, int Piece, long TotalSize, ReadOnlyMemory<byte> Data)
{
    /// <summary>Metadata travels in blocks of 16 KiB (the last may be shorter).</summary>
    public const int BlockSize = 16 * 1024;

    private static readonly BencodeLimits Limits = new() { MaxDepth = 2, MaxTokens = 64 };

    public static MetadataMessage Request(int piece) => new(MetadataMessageType.Request, piece, 0, default);

    public static MetadataMessage Reject(int piece) => new(MetadataMessageType.Reject, piece, 0, default);

    /// <summary>Encodes the message (the dictionary, then the data for a data message).</summary>
    public byte[] Encode()
    {
        var dict = new BDictionary().Set("msg_type", (long)Type).Set("piece", Piece);
        if (Type == MetadataMessageType.Data)
            dict.Set("total_size", TotalSize);
        var head = BencodeWriter.Encode(dict);
        if (Type != MetadataMessageType.Data)
            return head;
        var message = new byte[head.Length + Data.Length];
        head.CopyTo(message, 0);
        Data.Span.CopyTo(message.AsSpan(head.Length));
        return message;
    }

    /// <summary>Parses a message; throws <see cref="FormatException"/> for anything malformed.</summary>
    public static MetadataMessage Parse(ReadOnlyMemory<byte> payload)
    {
        BValue head;
        int consumed;
        try
        {
            head = BencodeReader.DecodePrefix(payload, out consumed, Limits);
        }
        catch (BencodeException e)
        {
            throw new FormatException($"ut_metadata message: {e.Message}", e);
        }
        if (head is not BDictionary dict)
            throw new FormatException("ut_metadata message is not a dictionary");
        if (dict["msg_type"] is not BInteger { Value: >= 0 and <= 2 } type)
            throw new FormatException("ut_metadata message without a known msg_type");
        if (dict["piece"] is not BInteger { Value: >= 0 and <= int.MaxValue } piece)
            throw new FormatException("ut_metadata message without a valid piece");
        var kind = (MetadataMessageType)type.Value;
        var rest = payload[consumed..];
        if (kind != MetadataMessageType.Data)
        {
            if (!rest.IsEmpty)
                throw new FormatException($"ut_metadata {kind.ToString().ToLowerInvariant()} carries {rest.Length} bytes after its dictionary");
            return new MetadataMessage(kind, (int)piece.Value, 0, default);
        }
        if (dict["total_size"] is not BInteger { Value: > 0 } total)
            throw new FormatException("ut_metadata data without a valid total_size");
        return new MetadataMessage(kind, (int)piece.Value, total.Value, rest);
    }
}

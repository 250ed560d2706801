using System.Buffers.Binary;

namespace Shoal.Wire;

/// <summary>
/// The pure peer-wire framing codec (BEP 3, 6, 10, 52). <see cref="TryRead"/> finds one whole
/// message at the start of a buffer, checking its length against a limit before anything is
/// allocated and checking fixed-size messages have exactly their size.
/// </summary>
internal static class PeerWire
{
    /// <summary>Largest block a peer may request or send (BEP 3 practice; larger requests close the connection).</summary>
    public const int MaxBlockLength = 16 * 1024;

    /// <summary>
    /// Reads one message from <paramref name="data"/>. Returns NeedMore (with the total bytes
    /// the message needs in <paramref name="consumed"/> when the length prefix is known), Done, or
    /// Error with a reason. Unknown message ids are returned with their raw payload so a caller can skip them.
    /// </summary>
    public static ParseStatus TryRead(ReadOnlySpan<byte> data, int maxLength, out PeerMessage message, out int consumed, out string? error)
    {
        message = default;
        error = null;
        consumed = 0;
        if (data.Length < 4)
            return ParseStatus.NeedMore;
        uint length = BinaryPrimitives.ReadUInt32BigEndian(data);
        if (length > (uint)maxLength)
        {
            error = $"message length {length} exceeds the limit of {maxLength}";
            return ParseStatus.Error;
        }
        if (data.Length < 4 + (int)length)
        {
            consumed = 4 + (int)length;
            return ParseStatus.NeedMore;
        }
        consumed = 4 + (int)length;
        if (length == 0)
        {
            message = new PeerMessage(true, default, 0, 0, 0, default);
            return ParseStatus.Done;
        }
        var id = (MessageId)data[4];
        var body = data.Slice(5, (int)length - 1);
        switch (id)
        {
            case MessageId.Choke or MessageId.Unchoke or MessageId.Interested or MessageId.NotInterested
                or MessageId.HaveAll or MessageId.HaveNone:
                if (body.Length != 0)
                    break;
                message = new PeerMessage(false, id, 0, 0, 0, default);
                return ParseStatus.Done;
            case MessageId.Have or MessageId.Suggest or MessageId.AllowedFast:
                if (body.Length != 4)
                    break;
                message = new PeerMessage(false, id, Int(body, 0), 0, 0, default);
                return ParseStatus.Done;
            case MessageId.Request or MessageId.Cancel or MessageId.Reject:
                if (body.Length != 12)
                    break;
                message = new PeerMessage(false, id, Int(body, 0), Int(body, 4), Int(body, 8), default);
                return ParseStatus.Done;
            case MessageId.Piece:
                if (body.Length < 8)
                    break;
                message = new PeerMessage(false, id, Int(body, 0), Int(body, 4), body.Length - 8, body[8..]);
                return ParseStatus.Done;
            case MessageId.Port:
                if (body.Length != 2)
                    break;
                message = new PeerMessage(false, id, BinaryPrimitives.ReadUInt16BigEndian(body), 0, 0, default);
                return ParseStatus.Done;
            case MessageId.Extended:
                if (body.Length < 1)
                    break;
                message = new PeerMessage(false, id, 0, 0, body.Length - 1, body[1..], body[0]);
                return ParseStatus.Done;
            default:
                // Bitfield, BEP 52 hash messages and unknown ids: the payload as is.
                message = new PeerMessage(false, id, 0, 0, body.Length, body);
                return ParseStatus.Done;
        }
        error = $"{id} message with a {body.Length}-byte payload";
        return ParseStatus.Error;
    }

    private static int Int(ReadOnlySpan<byte> body, int at) => BinaryPrimitives.ReadInt32BigEndian(body[at..]);

    // ---- writers: each returns the bytes written into destination ----

    public static int WriteKeepAlive(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, 0);
        return 4;
    }

    /// <summary>Choke, unchoke, interested, not interested, have-all, have-none.</summary>
    public static int WriteSimple(Span<byte> destination, MessageId id)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, 1);
        destination[4] = (byte)id;
        return 5;
    }

    /// <summary>Have, suggest, allowed fast.</summary>
    public static int WriteIndex(Span<byte> destination, MessageId id, int index)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, 5);
        destination[4] = (byte)id;
        BinaryPrimitives.WriteInt32BigEndian(destination[5..], index);
        return 9;
    }

    /// <summary>Request, cancel, reject.</summary>
    public static int WriteBlock(Span<byte> destination, MessageId id, int index, int begin, int length)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, 13);
        destination[4] = (byte)id;
        BinaryPrimitives.WriteInt32BigEndian(destination[5..], index);
        BinaryPrimitives.WriteInt32BigEndian(destination[9..], begin);
        BinaryPrimitives.WriteInt32BigEndian(destination[13..], length);
        return 17;
    }

    /// <summary>The 13-byte header of a piece message whose <paramref name="dataLength"/> bytes follow.</summary>
    public static int WritePieceHeader(Span<byte> destination, int index, int begin, int dataLength)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)(9 + dataLength));
        destination[4] = (byte)MessageId.Piece;
        BinaryPrimitives.WriteInt32BigEndian(destination[5..], index);
        BinaryPrimitives.WriteInt32BigEndian(destination[9..], begin);
        return 13;
    }

    /// <summary>A message with an arbitrary payload: bitfield, BEP 52 hash messages.</summary>
    public static int WritePayload(Span<byte> destination, MessageId id, ReadOnlySpan<byte> payload)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)(1 + payload.Length));
        destination[4] = (byte)id;
        payload.CopyTo(destination[5..]);
        return 5 + payload.Length;
    }

    public static int WriteExtended(Span<byte> destination, byte extendedId, ReadOnlySpan<byte> payload)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)(2 + payload.Length));
        destination[4] = (byte)MessageId.Extended;
        destination[5] = extendedId;
        payload.CopyTo(destination[6..]);
        return 6 + payload.Length;
    }

    public static int WritePort(Span<byte> destination, ushort port)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, 3);
        destination[4] = (byte)MessageId.Port;
        BinaryPrimitives.WriteUInt16BigEndian(destination[5..], port);
        return 7;
    }
}

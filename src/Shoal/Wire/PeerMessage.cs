namespace Shoal.Wire;

/// <summary>
/// One decoded peer-wire message, a view over the receive buffer. Fixed fields are decoded;
/// variable payloads (bitfield, block data, extended payload, hashes) stay as spans.
/// </summary>
internal readonly ref struct PeerMessage
{
    public PeerMessage(bool keepAlive, MessageId id, int index, int begin, int length, ReadOnlySpan<byte> payload, byte extendedId = 0)
    {
        IsKeepAlive = keepAlive;
        Id = id;
        Index = index;
        Begin = begin;
        Length = length;
        Payload = payload;
        ExtendedId = extendedId;
    }

    public bool IsKeepAlive { get; }
    public MessageId Id { get; }
    /// <summary>Piece index (have, request, piece, cancel, suggest, reject, allowed fast); for port, the port.</summary>
    public int Index { get; }
    public int Begin { get; }
    /// <summary>Block length of request/cancel/reject; the data length of a piece message.</summary>
    public int Length { get; }
    /// <summary>Bitfield bytes, block data, extended payload (after the extended id), or raw payload of other messages.</summary>
    public ReadOnlySpan<byte> Payload { get; }
    public byte ExtendedId { get; }
}

using Shoal.Swarm;
using Shoal.Wire;

namespace Shoal.Peers;

/// <summary>What a connection calls into: the torrent's view of that one peer.</summary>
internal interface IPeerHandler
{
    /// <summary>Handles one message; throws <see cref="PeerProtocolException"/> to close the connection.</summary>
    void OnMessage(in PeerMessage message);

    /// <summary>Reads a block to upload into <paramref name="destination"/>.</summary>
    void ReadBlock(BlockRequest request, Span<byte> destination);

    /// <summary>A block's payload was handed to the stream.</summary>
    void OnBlockSent(int length);
}

using Shoal.Swarm;
using Shoal.Wire;

namespace Shoal.Peers;

/// <summary>What a connection calls into: the torrent's view of that one peer.</summary>
internal interface IPeerHandler
{
    /// <summary>Handles one message; throws <see cref="PeerProtocolException"/> to close the connection.</summary>
    void OnMessage(in PeerMessage message);

    /// <summary>
    /// Reads the blocks of one send into <paramref name="buffer"/> (block i at
    /// <paramref name="offsets"/>[i]), through the client's bounded disk path.
    /// </summary>
    ValueTask ReadBlocksAsync(IReadOnlyList<BlockRequest> blocks, byte[] buffer, IReadOnlyList<int> offsets, CancellationToken cancellationToken);

    /// <summary>A block's payload was handed to the stream.</summary>
    void OnBlockSent(int length);
}

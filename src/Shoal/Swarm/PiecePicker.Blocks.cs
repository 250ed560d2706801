using Shoal.Wire;

namespace Shoal.Swarm;

/// <summary>The picker's side of requested blocks: one arrives, one is given back, a peer leaves.</summary>
internal sealed partial class PiecePicker<TPeer>
{
    /// <summary>
    /// Records a block from <paramref name="peer"/> and copies its data into the piece buffer.
    /// <paramref name="others"/> receives the other peers that were asked for the same block (to cancel).
    /// </summary>
    public BlockResult OnBlock(TPeer peer, int piece, int begin, ReadOnlySpan<byte> data, List<TPeer> others, out PartialPiece<TPeer>? completed)
    {
        completed = null;
        if (!_partialByIndex.TryGetValue(piece, out var partial) || begin % BlockRequest.BlockSize != 0 || begin < 0)
            return BlockResult.Unexpected;
        int block = begin / BlockRequest.BlockSize;
        if (block >= partial.BlockCount || partial.BlockLength(block) != data.Length)
            return BlockResult.Unexpected;
        var requesters = partial.Requesters[block];
        if (partial.States[block] == PartialPiece<TPeer>.BlockState.Received)
        {
            requesters?.Remove(peer);
            return BlockResult.Duplicate;
        }
        // A block we did not ask this peer for is still good data if we need it (a late reply after a timeout).
        if (partial.States[block] == PartialPiece<TPeer>.BlockState.Requested)
            partial.Requested--;
        partial.States[block] = PartialPiece<TPeer>.BlockState.Received;
        partial.Received++;
        UpdateOpen(partial);
        partial.Senders[block] = peer;
        data.CopyTo(partial.Buffer.AsSpan(begin));
        if (requesters is not null)
        {
            foreach (var other in requesters)
            {
                if (!ReferenceEquals(other, peer))
                    others.Add(other);
            }
            partial.Requesters[block] = null;
        }
        if (!partial.Complete)
            return BlockResult.Accepted;
        completed = partial;
        return BlockResult.PieceComplete;
    }

    /// <summary>
    /// Forgets that <paramref name="peer"/> was asked for a block (choke, reject, timeout,
    /// disconnect). A peer that <paramref name="declined"/> it (a reject) also loses a piece it
    /// had to itself on parole, so a suspect that will not serve a piece never holds it back.
    /// </summary>
    public void Release(TPeer peer, BlockRequest request, bool declined = false)
    {
        if (!_partialByIndex.TryGetValue(request.Piece, out var partial))
            return;
        if (declined && ReferenceEquals(partial.Exclusive, peer))
            partial.Exclusive = null;
        int block = request.Begin / BlockRequest.BlockSize;
        if (block < 0 || block >= partial.BlockCount)
            return;
        var requesters = partial.Requesters[block];
        if (requesters is null || !requesters.Remove(peer))
            return;
        if (requesters.Count == 0 && partial.States[block] == PartialPiece<TPeer>.BlockState.Requested)
        {
            partial.States[block] = PartialPiece<TPeer>.BlockState.Free;
            partial.Requested--;
            partial.Requesters[block] = null;
            UpdateOpen(partial);
        }
    }

    /// <summary>A peer left: pieces it had to itself are open to everyone again.</summary>
    public void Forget(TPeer peer)
    {
        foreach (var partial in _partials)
        {
            if (ReferenceEquals(partial.Exclusive, peer))
                partial.Exclusive = null;
        }
    }
}

namespace Shoal.Swarm;

/// <summary>How a block that arrived was taken.</summary>
internal enum BlockResult
{
    /// <summary>Not asked for (wrong size, a piece we have or are not downloading).</summary>
    Unexpected,
    /// <summary>Already received from another peer (endgame).</summary>
    Duplicate,
    Accepted,
    /// <summary>Accepted and the piece is now complete: hash it.</summary>
    PieceComplete,
}

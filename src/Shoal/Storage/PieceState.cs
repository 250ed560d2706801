namespace Shoal.Storage;

/// <summary>What a check found for one piece on disk.</summary>
public enum PieceState
{
    /// <summary>The data is there and matches its hash.</summary>
    Good,
    /// <summary>Some of the piece's data is not on disk (file absent or too short).</summary>
    Missing,
    /// <summary>The data is there but fails its hash.</summary>
    Bad,
}

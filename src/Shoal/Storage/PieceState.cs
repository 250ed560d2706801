namespace Shoal.Storage;

public enum PieceState
{
    Good,
    /// <summary>Some of the piece's data is not on disk (file absent or too short).</summary>
    Missing,
    /// <summary>The data is there but fails its hash.</summary>
    Bad,
}

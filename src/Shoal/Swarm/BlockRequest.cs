namespace Shoal.Swarm;

/// <summary>One block of a piece: what a request, cancel or reject names.</summary>
internal readonly record struct BlockRequest(int Piece, int Begin, int Length)
{
    public const int BlockSize = 16 * 1024;
}

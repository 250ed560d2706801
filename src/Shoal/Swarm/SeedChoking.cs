namespace Shoal.Swarm;

/// <summary>How a seed picks whom to upload to.</summary>
internal enum SeedChoking
{
    /// <summary>Take turns: each unchoked peer keeps its slot for a while, then the longest-waiting get it.</summary>
    RoundRobin,
    /// <summary>Keep the peers that take our data fastest.</summary>
    FastestUpload,
}

namespace Shoal.Swarm;

/// <summary>What the choker knows about one connected peer when it decides.</summary>
internal readonly record struct ChokeCandidate<TPeer>(
    TPeer Peer,
    bool Interested,
    bool Snubbed,
    bool Local,
    long DownRate,
    long UpRate,
    bool Unchoked,
    long UnchokedAt,
    long ConnectedAt);

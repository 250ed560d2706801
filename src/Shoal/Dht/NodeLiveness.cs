namespace Shoal.Dht;

/// <summary>BEP 5 liveness of a routing-table node.</summary>
internal enum NodeLiveness
{
    /// <summary>Answered within 15 minutes, or answered once and queried us within 15 minutes.</summary>
    Good,
    /// <summary>Quiet for 15 minutes: ping it before trusting it.</summary>
    Questionable,
    /// <summary>Failed several queries in a row: replaced when a better node comes.</summary>
    Bad,
}

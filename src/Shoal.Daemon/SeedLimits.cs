namespace Shoal.Daemon;

/// <summary>Transmission's per-torrent modes for a seed limit: follow the global one, its own, or none.</summary>
public enum SeedLimitMode
{
    Global = 0,
    Single = 1,
    Unlimited = 2,
}

/// <summary>When a seed has done enough: the ratio and idle rules of Transmission.</summary>
public static class SeedLimits
{
    /// <summary>
    /// The ratio is reached when the upload is at least the ratio times what was downloaded, or,
    /// for a torrent that was complete from the start, times its size.
    /// </summary>
    public static bool RatioReached(long uploaded, long downloaded, long sizeWhenDone, double ratio)
    {
        long baseline = downloaded > 0 ? downloaded : sizeWhenDone;
        return baseline > 0 && uploaded >= ratio * baseline;
    }

    /// <summary>The ratio that applies (null: none) from the torrent's mode and the global setting.</summary>
    public static double? Ratio(SeedLimitMode mode, double own, bool globalOn, double global) => mode switch
    {
        SeedLimitMode.Single => own,
        SeedLimitMode.Global when globalOn => global,
        _ => null,
    };

    /// <summary>The idle time that applies (null: none), in minutes in settings and RPC.</summary>
    public static TimeSpan? Idle(SeedLimitMode mode, int ownMinutes, bool globalOn, int globalMinutes) => mode switch
    {
        SeedLimitMode.Single => TimeSpan.FromMinutes(ownMinutes),
        SeedLimitMode.Global when globalOn => TimeSpan.FromMinutes(globalMinutes),
        _ => null,
    };
}

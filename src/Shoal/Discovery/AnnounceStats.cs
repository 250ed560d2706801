namespace Shoal.Discovery;

/// <summary>What a torrent tells its peer sources when they announce.</summary>
internal readonly record struct AnnounceStats(long Uploaded, long Downloaded, long Left, bool Complete);

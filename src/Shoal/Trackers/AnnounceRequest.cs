namespace Shoal.Trackers;

/// <summary>What an announce tells the tracker. <see cref="InfoHash"/> is the 20-byte hash (v2 truncated).</summary>
internal sealed record AnnounceRequest(
    byte[] InfoHash,
    byte[] PeerId,
    int Port,
    long Uploaded,
    long Downloaded,
    long Left,
    TrackerEvent Event,
    int NumWant,
    uint Key,
    string? TrackerId = null);

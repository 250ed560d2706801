using System.Net;

namespace Shoal.Trackers;

public enum TrackerEvent
{
    None = 0,
    Completed = 1,
    Started = 2,
    Stopped = 3,
}

/// <summary>What an announce tells the tracker. <see cref="InfoHash"/> is the 20-byte hash (v2 truncated).</summary>
public sealed record AnnounceRequest(
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

public sealed record AnnounceResponse(
    TimeSpan Interval,
    TimeSpan? MinInterval,
    IReadOnlyList<IPEndPoint> Peers,
    int? Seeders,
    int? Leechers,
    string? TrackerId,
    string? Warning);

public sealed record ScrapeResult(int Seeders, int Completed, int Leechers);

/// <summary>The tracker refused (a 'failure reason', an error packet) or its reply was malformed.</summary>
public sealed class TrackerException(string message) : Exception(message);

public interface ITrackerClient
{
    Uri Uri { get; }
    Task<AnnounceResponse> AnnounceAsync(AnnounceRequest request, CancellationToken cancellationToken);
    Task<ScrapeResult?> ScrapeAsync(byte[] infoHash, CancellationToken cancellationToken);
}

using System.Net;

namespace Shoal.Tracker;

public enum AnnounceEvent
{
    None,
    Completed,
    Started,
    Stopped,
}

/// <summary>A validated announce, from HTTP or UDP.</summary>
public sealed record TrackerAnnounce(
    InfoHashKey InfoHash,
    byte[] PeerId,
    IPAddress Address,
    int Port,
    long Uploaded,
    long Downloaded,
    long Left,
    AnnounceEvent Event,
    int NumWant,
    bool Compact,
    bool NoPeerId)
{
    public bool IsSeed => Left == 0;
}

/// <summary>A request the tracker refuses; the message goes back as a 'failure reason' or UDP error.</summary>
public sealed class TrackerRequestException(string message) : Exception(message);

using System.Net;

namespace Shoal.Tracker;

/// <summary>A validated announce, from HTTP or UDP: a value, so the UDP path allocates nothing.</summary>
public readonly record struct TrackerAnnounce(
    InfoHashKey InfoHash,
    PeerId20 PeerId,
    PeerEndpoint Peer,
    long Uploaded,
    long Downloaded,
    long Left,
    AnnounceEvent Event,
    int NumWant,
    bool Compact,
    bool NoPeerId)
{
    public bool IsSeed => Left == 0;

    /// <summary>An announce with default counters, for tests and tools.</summary>
    public static TrackerAnnounce Of(InfoHashKey infoHash, IPAddress address, int port, long left, AnnounceEvent announceEvent = AnnounceEvent.None, int numWant = 50) =>
        new(infoHash, default, PeerEndpoint.From(address, port), 0, 0, left, announceEvent, numWant, true, false);
}

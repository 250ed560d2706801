namespace Shoal.Tracker;

/// <summary>A peer as handed to an announcer: a copy, taken under the swarm's lock.</summary>
public readonly record struct SampledPeer(PeerEndpoint Endpoint, PeerId20 PeerId, bool IsSeed, long Site);

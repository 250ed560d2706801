using Shoal.Swarm;

namespace Shoal.Peers;

/// <summary>What a peer that is not a wire connection (a web seed) reports back to its torrent. Any thread.</summary>
internal interface IPeerLinkSink
{
    /// <summary>A block arrived for a request made through <see cref="IPeer.Request"/>.</summary>
    void OnBlock(IPeer link, BlockRequest request, ReadOnlySpan<byte> data);

    /// <summary>A request will not be answered (refused, failed): it goes back to be asked of someone.</summary>
    void OnRejected(IPeer link, BlockRequest request);

    /// <summary>The link is gone, by its own decision or after <see cref="IPeer.Close"/>.</summary>
    void OnClosed(IPeer link, string reason);

    /// <summary>Owns the link's background work: an unexpected exception in it fails the torrent, and the torrent waits for it when it stops.</summary>
    void Own(string what, Task work);
}

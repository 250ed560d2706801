using Shoal.Peers;
using Shoal.Swarm;

namespace Shoal.Tests.WebSeeds;

/// <summary>Stands in for the torrent behind a web seed link: counts the blocks it delivers and gives back, and why it closed.</summary>
internal sealed class RecordingSink : IPeerLinkSink
{
    public int Blocks;
    public int Rejected;
    public string? Closed;

    public void OnBlock(IPeer link, BlockRequest request, ReadOnlySpan<byte> data) => Interlocked.Increment(ref Blocks);

    public void OnRejected(IPeer link, BlockRequest request) => Interlocked.Increment(ref Rejected);

    public void OnClosed(IPeer link, string reason) => Closed = reason;

    /// <summary>The link's own loop: a test can await it, and it must never end in an exception.</summary>
    public Task? Work { get; private set; }

    public void Own(string what, Task work) => Work = work;
}

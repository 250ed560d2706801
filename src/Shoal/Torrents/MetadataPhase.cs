using Shoal.Metainfo;

namespace Shoal;

/// <summary>Waits until the metadata arrives (from <see cref="TorrentSession.SetMetadata"/>, and later from peers).</summary>
internal sealed class MetadataPhase(TorrentSession session)
{
    public Task<Torrent> RunAsync(CancellationToken token) => session.MetadataArrived.WaitAsync(token);
}

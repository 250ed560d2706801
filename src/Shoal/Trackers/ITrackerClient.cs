namespace Shoal.Trackers;

public interface ITrackerClient
{
    Uri Uri { get; }
    Task<AnnounceResponse> AnnounceAsync(AnnounceRequest request, CancellationToken cancellationToken);
    Task<ScrapeResult?> ScrapeAsync(byte[] infoHash, CancellationToken cancellationToken);
}

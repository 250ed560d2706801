namespace Shoal.Trackers;

internal interface ITrackerClient
{
    Uri Uri { get; }
    Task<AnnounceResponse> AnnounceAsync(AnnounceRequest request, CancellationToken cancellationToken);
    Task<ScrapeResult?> ScrapeAsync(byte[] infoHash, CancellationToken cancellationToken);
}

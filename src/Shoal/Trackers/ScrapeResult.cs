namespace Shoal.Trackers;

internal sealed record ScrapeResult(int Seeders, int Completed, int Leechers);

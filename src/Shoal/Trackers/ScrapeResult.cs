namespace Shoal.Trackers;

public sealed record ScrapeResult(int Seeders, int Completed, int Leechers);

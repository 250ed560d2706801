namespace Shoal.Tracker;

public sealed record ScrapeCounts(int Seeders, int Completed, int Leechers);

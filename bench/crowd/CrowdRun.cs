using System.Diagnostics;
using Shoal.Metainfo;

namespace Shoal.Bench.Crowd;

/// <summary>Runs the crowd: the arrivals, the measuring window, the seed watched from outside, the result.</summary>
internal sealed class CrowdRun(CrowdOptions options, Torrent torrent)
{
    private long _bytes;
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly List<double> _refusals = [];

    public CrowdOptions Options => options;
    public Torrent Torrent => torrent;
    public byte[] InfoHash { get; } = torrent.InfoHashes.V1!.Value.Span.ToArray();

    public void NoteBytes(int count) => Interlocked.Add(ref _bytes, count);

    public void NoteRefusal()
    {
        lock (_refusals)
            _refusals.Add(Stopwatch.GetElapsedTime(_started).TotalSeconds);
    }

    public async Task<CrowdResult> RunAsync()
    {
        var leechers = new List<Leecher>();
        var random = new Random(1);
        for (int i = 0; i < options.Leechers; i++)
        {
            var kind = i < options.Stallers ? LeecherKind.Staller
                : i < options.Stallers + options.Droppers ? LeecherKind.Dropper
                : random.NextDouble() < options.Churn ? LeecherKind.Churner
                : LeecherKind.Normal;
            leechers.Add(new Leecher(i, kind, this));
        }
        // Shuffled arrivals, so that stallers and droppers are spread among the others.
        var order = Enumerable.Range(0, leechers.Count).OrderBy(_ => random.Next()).ToList();
        using var watch = options.SeedPid is int pid ? new SeedWatch(pid) : null;
        watch?.Start();
        var total = TimeSpan.FromSeconds(options.ArrivalSeconds + options.WindowSeconds);
        using var end = new CancellationTokenSource(total);
        var tasks = new List<Task>();
        for (int i = 0; i < order.Count; i++)
        {
            var arrival = TimeSpan.FromSeconds(options.Leechers == 1 ? 0 : options.ArrivalSeconds * i / (options.Leechers - 1));
            tasks.Add(leechers[order[i]].RunAsync(arrival, end.Token));
        }
        await Task.Delay(TimeSpan.FromSeconds(options.ArrivalSeconds)).ConfigureAwait(false);
        long bytesBefore = Interlocked.Read(ref _bytes);
        var cpuBefore = watch?.CpuSeconds();
        await Task.Delay(TimeSpan.FromSeconds(options.WindowSeconds)).ConfigureAwait(false);
        long served = Interlocked.Read(ref _bytes) - bytesBefore;
        var cpuAfter = watch?.CpuSeconds();
        try
        {
            await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        var result = Summarize(leechers, served, cpuAfter - cpuBefore, watch);
        foreach (var leecher in leechers)
            leecher.Dispose();
        return result;
    }

    private CrowdResult Summarize(List<Leecher> leechers, long served, double? cpu, SeedWatch? watch)
    {
        var takers = leechers.Where(l => l.Kind != LeecherKind.Staller).ToList();
        var handshakes = leechers.SelectMany(l => l.HandshakeSeconds).Order().ToList();
        var firstBlocks = takers.Where(l => l.FirstBlockAt != 0).Select(l => Stopwatch.GetElapsedTime(l.FirstConnect, l.FirstBlockAt).TotalSeconds).Order().ToList();
        double gib = served / (double)(1L << 30);
        List<double> refusals;
        lock (_refusals)
            refusals = [.. _refusals];
        return new CrowdResult
        {
            Label = options.Label,
            Leechers = options.Leechers,
            ArrivalS = options.ArrivalSeconds,
            WindowS = options.WindowSeconds,
            AskedMbS = Math.Round(options.RateTotal / 1e6, 2),
            ServedMbS = Math.Round(served / options.WindowSeconds / 1e6, 2),
            CpuSPerGib = cpu is double c && gib > 0 ? Math.Round(c / gib, 2) : null,
            CpuS = cpu is double s ? Math.Round(s, 2) : null,
            RssStartMib = watch?.RssStartMib,
            RssPeakMib = watch?.RssPeakMib,
            RssGrowthKibPerLeecher = watch is { RssStartMib: double a, RssPeakMib: double b } ? Math.Round((b - a) * 1024 / options.Leechers, 1) : null,
            HandshakeP50Ms = Percentile(handshakes, 0.5) is double h50 ? Math.Round(h50 * 1000, 1) : null,
            HandshakeP99Ms = Percentile(handshakes, 0.99) is double h99 ? Math.Round(h99 * 1000, 1) : null,
            FirstBlockP50S = Percentile(firstBlocks, 0.5) is double f50 ? Math.Round(f50, 2) : null,
            FirstBlockP99S = Percentile(firstBlocks, 0.99) is double f99 ? Math.Round(f99, 2) : null,
            ServedLeechers = takers.Count(l => l.Bytes > 0),
            Takers = takers.Count,
            Refused = refusals.Count,
            RefusedPerSecond = [.. refusals.GroupBy(t => (int)t).OrderBy(g => g.Key).Select(g => new[] { g.Key, g.Count() })],
            ClosedBySeed = leechers.Sum(l => l.ClosedBySeed),
            GoodPieces = leechers.Sum(l => l.GoodPieces),
            BadPieces = leechers.Sum(l => l.BadPieces),
        };
    }

    private static double? Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? null : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}

/// <summary>What one crowd measured (snake_case in JSON).</summary>
internal sealed record CrowdResult
{
    public required string Label { get; init; }
    public int Leechers { get; init; }
    public double ArrivalS { get; init; }
    public double WindowS { get; init; }
    public double AskedMbS { get; init; }
    public double ServedMbS { get; init; }
    public double? CpuS { get; init; }
    public double? CpuSPerGib { get; init; }
    public double? RssStartMib { get; init; }
    public double? RssPeakMib { get; init; }
    public double? RssGrowthKibPerLeecher { get; init; }
    public double? HandshakeP50Ms { get; init; }
    public double? HandshakeP99Ms { get; init; }
    public double? FirstBlockP50S { get; init; }
    public double? FirstBlockP99S { get; init; }
    public int ServedLeechers { get; init; }
    public int Takers { get; init; }
    public int Refused { get; init; }
    public int[][] RefusedPerSecond { get; init; } = [];
    public int ClosedBySeed { get; init; }
    public int GoodPieces { get; init; }
    public int BadPieces { get; init; }

    public string Summary() =>
        $"{Label}: {Leechers} leechers, {ServedMbS} MB/s served of {AskedMbS} asked, {ServedLeechers}/{Takers} served, " +
        $"CPU {CpuSPerGib?.ToString() ?? "-"} s/GiB, RSS {RssStartMib?.ToString() ?? "-"} -> {RssPeakMib?.ToString() ?? "-"} MiB, " +
        $"handshake p99 {HandshakeP99Ms?.ToString() ?? "-"} ms, first block p50/p99 {FirstBlockP50S?.ToString() ?? "-"}/{FirstBlockP99S?.ToString() ?? "-"} s, " +
        $"refused {Refused}, closed by the seed {ClosedBySeed}, pieces {GoodPieces} good {BadPieces} bad";
}

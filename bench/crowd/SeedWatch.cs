using System.Globalization;

namespace Shoal.Bench.Crowd;

/// <summary>
/// Watches the seed's process from outside through /proc: its CPU seconds (user + system) and its
/// resident memory, sampled every 200 ms for the peak.
/// </summary>
internal sealed class SeedWatch(int pid) : IDisposable
{
    private const double ClockTicks = 100; // USER_HZ on Linux
    private readonly CancellationTokenSource _stop = new();
    private Task? _sampler;

    public double? RssStartMib { get; private set; }
    public double? RssPeakMib { get; private set; }

    public void Start()
    {
        RssStartMib = RssMib();
        RssPeakMib = RssStartMib;
        _sampler = SampleAsync(_stop.Token);
    }

    private async Task SampleAsync(CancellationToken token)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
        try
        {
            while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false))
            {
                if (RssMib() is double rss && rss > (RssPeakMib ?? 0))
                    RssPeakMib = rss;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>User + system CPU seconds of the process (and its waited-for children) so far; null once it is gone.</summary>
    public double? CpuSeconds()
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // After "pid (comm) ": state is field 3, utime 14, stime 15.
            long utime = long.Parse(fields[11], CultureInfo.InvariantCulture);
            long stime = long.Parse(fields[12], CultureInfo.InvariantCulture);
            return (utime + stime) / ClockTicks;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private double? RssMib()
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return Math.Round(long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0, 1);
            }
        }
        catch (IOException)
        {
        }
        return null;
    }

    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _sampler?.Wait(TimeSpan.FromSeconds(1));
        }
        catch (AggregateException)
        {
        }
        _stop.Dispose();
    }
}

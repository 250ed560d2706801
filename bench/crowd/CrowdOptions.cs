using System.Globalization;
using System.Net;

namespace Shoal.Bench.Crowd;

/// <summary>The crowd's shape, from the command line.</summary>
internal sealed record CrowdOptions
{
    public required string Torrent { get; init; }
    public required IPEndPoint Target { get; init; }
    public int Leechers { get; init; } = 100;
    /// <summary>Arrivals are spread evenly over this many seconds (0: all at once).</summary>
    public double ArrivalSeconds { get; init; } = 5;
    /// <summary>The measuring window after the arrivals.</summary>
    public double WindowSeconds { get; init; } = 40;
    /// <summary>What the whole crowd asks for per second, split evenly among the leechers.</summary>
    public double RateTotal { get; init; } = 40_000_000;
    public int? SeedPid { get; init; }
    public double Churn { get; init; }
    public int Stallers { get; init; }
    public int Droppers { get; init; }
    /// <summary>Leechers pick their pieces among the first this many (0: all): a burst of interest in the same pieces.</summary>
    public int HotPieces { get; init; }
    public string Label { get; init; } = "seed";
    public string? Json { get; init; }

    public static CrowdOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
                throw new ArgumentException($"expected --name value pairs, got '{args[i]}'");
            values[args[i][2..]] = args[i + 1];
        }
        string Need(string name) => values.TryGetValue(name, out var v) ? v : throw new ArgumentException($"--{name} is required");
        double Number(string name, double fallback) => values.TryGetValue(name, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;
        var options = new CrowdOptions
        {
            Torrent = Need("torrent"),
            Target = IPEndPoint.Parse(Need("target")),
            Leechers = (int)Number("leechers", 100),
            ArrivalSeconds = Number("arrival", 5),
            WindowSeconds = Number("window", 40),
            RateTotal = Number("rate-total", 40_000_000),
            SeedPid = values.TryGetValue("pid", out var pid) ? int.Parse(pid, CultureInfo.InvariantCulture) : null,
            Churn = Number("churn", 0),
            Stallers = (int)Number("stallers", 0),
            Droppers = (int)Number("droppers", 0),
            HotPieces = (int)Number("hot-pieces", 0),
            Label = values.GetValueOrDefault("label", "seed"),
            Json = values.GetValueOrDefault("json"),
        };
        if (options.Leechers is < 1 or > 20_000 || options.WindowSeconds is <= 0 or > 600 || options.ArrivalSeconds is < 0 or > 600)
            throw new ArgumentException("--leechers 1-20000, --window 0-600 s, --arrival 0-600 s");
        return options;
    }

    /// <summary>Leecher <paramref name="index"/>'s own address: 127.10.0.1, 127.10.0.2, ... (250 a /24).</summary>
    public static IPAddress SourceOf(int index) =>
        new([127, (byte)(10 + index / 62_500), (byte)(index / 250 % 250), (byte)(index % 250 + 1)]);
}

using System.Diagnostics;
using Shoal.Tests.Common;
using Xunit.Abstractions;

namespace Shoal.Interop.Tests;

/// <summary>
/// What LEDBAT is for, on a link of the test's own: the link into host 2 shaped by `tc tbf` to
/// 2 Mbit/s with a 300 ms queue (a home router's), a Shoal seed on host 1 sending over uTP to a
/// Shoal leecher on host 2. The competing TCP flow uses CUBIC, as most TCP traffic does. Alone, uTP fills the link; when a TCP flow starts on the same link it
/// fills the queue, uTP sees the delay pass its 100 ms target and gives way; when the flow ends,
/// uTP takes the link back. Rates are read from the leecher's byte count over windows of
/// seconds, and compared with each other, not with a speed of this machine; the giving way and
/// the taking back are waited for window by window (with the TCP flow still running, and within
/// half a minute), not expected within a fixed time, so a loaded machine only makes it slower.
/// </summary>
public class LedbatLabTests(ITestOutputHelper output)
{
    private const double LinkBytesPerSecond = 2_000_000 / 8.0;
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(4);
    private static string FlowScript => Path.Combine(AppContext.BaseDirectory, "Scripts", "tcp_flow.py");

    [Fact]
    public async Task A_utp_transfer_gives_way_to_a_tcp_flow_on_a_shaped_link_and_takes_the_link_back_when_it_ends()
    {
        using var swarm = new SwarmInterop();
        using var lab = await NetworkLab.CreateAsync(2);
        await lab.ShapeLinkToAsync(2, "2mbit", TimeSpan.FromMilliseconds(300));
        var (torrent, seedDir) = await swarm.SampleAsync("data", size: 8 << 20); // more than the test moves
        string[] common = ["--port", "0", "--no-dht", "--no-lsd", "--json", "--transport", "utp", "--encryption", "disable"];
        var seed = lab.Shoal(1, swarm.Dir("state-seed"), ["seed", torrent, seedDir, .. common]);
        int port = await seed.ShoalListenPortAsync();
        var get = lab.Shoal(2, swarm.Dir("state-get"), ["get", torrent, "-o", swarm.Dir("get"), "--peer", $"{lab.Address(1)}:{port}", .. common]);
        await get.WaitForLineAsync(l => l.Contains("\"downloaded\"") && Downloaded(l) > 100_000, TimeSpan.FromSeconds(60), "the uTP transfer to start");

        double alone = await RateAsync(get);

        var sink = lab.Run(2, "/usr/bin/python3", [FlowScript, "sink", lab.Address(2)]);
        string sinkPort = (await sink.WaitForLineAsync(l => l.StartsWith("port ", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "the TCP sink"))[5..];
        var source = lab.Run(1, "/usr/bin/python3", [FlowScript, "source", lab.Address(2), sinkPort, "20"]);
        // While the TCP flow runs, uTP's rate over successive windows must fall below a third of
        // what it had alone (TCP fills the queue, uTP sees the delay and backs off): waited for
        // window by window, not assumed to happen within a fixed time.
        bool TcpRunning() => !source.Output.Contains("sent ", StringComparison.Ordinal);
        double shared = await RateUntilAsync(get, rate => rate < 0.35 * alone, TcpRunning);
        bool gaveWayWhileTcpRan = TcpRunning();
        string sent = await source.WaitForLineAsync(l => l.StartsWith("sent ", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the TCP flow to end");
        // The queue drains; uTP grows again: waited for, up to half a minute.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        double after = await RateUntilAsync(get, rate => rate > 0.6 * alone, () => DateTime.UtcNow < deadline);

        output.WriteLine($"uTP alone {alone / 1000:F0} kB/s, beside TCP {shared / 1000:F0} kB/s, after {after / 1000:F0} kB/s; TCP {sent}; link {LinkBytesPerSecond / 1000:F0} kB/s");
        Assert.True(alone > 0.6 * LinkBytesPerSecond, $"alone, uTP used only {alone / LinkBytesPerSecond:P0} of the link");
        Assert.True(shared < 0.35 * alone && gaveWayWhileTcpRan, $"beside TCP, uTP kept {shared / alone:P0} of its rate: it did not give way while TCP ran");
        Assert.True(after > 0.6 * alone, $"after TCP, uTP came back to only {after / alone:P0} of its rate");
    }

    /// <summary>Measures the rate window after window until <paramref name="goal"/> holds or <paramref name="go"/> says stop; the last rate.</summary>
    private static async Task<double> RateUntilAsync(BackgroundProcess get, Func<double, bool> goal, Func<bool> go)
    {
        while (true)
        {
            double rate = await RateAsync(get, TimeSpan.FromSeconds(2));
            if (goal(rate) || !go())
                return rate;
        }
    }

    /// <summary>The leecher's download rate over the next <paramref name="window"/> (<see cref="Window"/> by default), from its byte counts.</summary>
    private static async Task<double> RateAsync(BackgroundProcess get, TimeSpan? window = null)
    {
        long before = Downloaded(LastLine(get));
        var clock = Stopwatch.StartNew();
        await MeasureWindowAsync(window ?? Window);
        long now = Downloaded(LastLine(get));
        return (now - before) / clock.Elapsed.TotalSeconds;
    }

    /// <summary>Lets a measured stretch of time pass: the quantity here is a rate over time, not a state to wait for.</summary>
    private static Task MeasureWindowAsync(TimeSpan span) => Task.Delay(span);

    private static string LastLine(BackgroundProcess process) =>
        process.Output.Split('\n').Last(l => l.StartsWith('{') && l.Contains("\"downloaded\""));

    private static long Downloaded(string line) =>
        System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("downloaded").GetInt64();
}

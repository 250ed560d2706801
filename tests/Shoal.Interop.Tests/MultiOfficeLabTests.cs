using System.Text.Json;
using Shoal.Tests.Common;

namespace Shoal.Interop.Tests;

/// <summary>
/// The multi-office lab (bench/lab) in a small shape: two offices of three hosts behind shaped
/// WAN links, an origin office with Shoal's tracker, a busybox web seed and a seed; every host
/// downloads with Shoal, then with python3-libtorrent.
/// </summary>
public class MultiOfficeLabTests
{
    [Fact]
    public async Task Every_host_completes_with_both_clients_and_shoals_offices_fetch_the_file_over_their_wan_link_about_once()
    {
        using var swarm = new SwarmInterop();
        string shoal = $"dotnet {Path.Combine(AppContext.BaseDirectory, "shoal.dll")}"; // the build under test
        string json = Path.Combine(swarm.Dir("out"), "lab.json");
        var lab = await ProcessRunner.Run("/usr/bin/python3", [Path.Combine(Repository.Root, "bench", "lab", "lab.py"), "--shoal", shoal,
            "--offices", "2", "--hosts", "3", "--size-mib", "8", "--work", swarm.Dir("lab"), "--json", json], timeout: TimeSpan.FromMinutes(6));
        Assert.True(lab.ExitCode == 0, $"the lab failed:\n{lab.Stdout}\n{lab.Stderr}");

        using var results = JsonDocument.Parse(File.ReadAllText(json));
        var byClient = results.RootElement.GetProperty("results").EnumerateArray().ToDictionary(r => r.GetProperty("client").GetString()!);
        Assert.Equal("6/6", byClient["shoal"].GetProperty("completed").GetString());
        Assert.Equal("6/6", byClient["libtorrent"].GetProperty("completed").GetString());
        // Without the sharing out of WAN fetches each office took 2.3 copies here (libtorrent too).
        foreach (var copies in byClient["shoal"].GetProperty("wan_in_per_office_F").EnumerateArray())
            Assert.InRange(copies.GetDouble(), 0.99, 1.35);
        Assert.Empty(await NamespacesLeftAsync());
    }

    private static async Task<List<string>> NamespacesLeftAsync()
    {
        var list = await ProcessRunner.Run("ip", ["netns", "list"]);
        return [.. list.Stdout.Split('\n').Where(l => l.StartsWith("shlab", StringComparison.Ordinal))];
    }
}

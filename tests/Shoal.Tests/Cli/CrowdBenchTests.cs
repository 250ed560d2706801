using System.Text.Json;
using Shoal.Tests.Common;
using Shoal.Tests.Engine;

namespace Shoal.Tests.Cli;

/// <summary>The flash-crowd bench's generator (bench/crowd) against a `shoal seed`, small: what it reports is what happened.</summary>
public class CrowdBenchTests
{
    [Fact]
    public async Task A_small_crowd_with_stallers_droppers_and_churn_is_served_by_a_shoal_seed_and_every_piece_checks()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("crowd", [("crowd.bin", 3 << 20)]);
        string torrentPath = Path.Combine(h.Root, "crowd.torrent");
        await File.WriteAllBytesAsync(torrentPath, torrent.ToBytes());
        using var seed = BackgroundProcess.Shoal(h.NewDir("state"),
            ["seed", torrentPath, seedDir, "--bind", "127.0.0.1", "--port", "0", "--no-dht", "--no-lsd", "--no-pex", "--transport", "tcp", "--max-peers", "100", "--json"]);
        int port = await seed.ShoalListenPortAsync();
        string json = Path.Combine(h.Root, "crowd.json");

        var crowd = await ProcessRunner.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "Crowd.dll"),
            "--torrent", torrentPath, "--target", $"127.0.0.1:{port}", "--leechers", "30", "--arrival", "1", "--window", "4",
            "--rate-total", "4000000", "--churn", "0.1", "--stallers", "2", "--droppers", "2", "--pid", seed.Id.ToString(), "--json", json]);

        Assert.True(crowd.ExitCode == 0, crowd.ToString());
        using var result = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        var root = result.RootElement;
        Assert.Equal(30, root.GetProperty("leechers").GetInt32());
        Assert.Equal(0, root.GetProperty("refused").GetInt32());
        Assert.Equal(0, root.GetProperty("bad_pieces").GetInt32());
        Assert.True(root.GetProperty("good_pieces").GetInt32() > 0, crowd.Stderr);
        // every leecher that reads (all but the two stallers) got blocks
        Assert.Equal(28, root.GetProperty("takers").GetInt32());
        Assert.Equal(28, root.GetProperty("served_leechers").GetInt32());
        Assert.True(root.GetProperty("served_mb_s").GetDouble() > 0, crowd.Stderr);
        Assert.True(root.GetProperty("cpu_s").GetDouble() > 0, crowd.Stderr); // read from the seed's /proc entry
        Assert.False(seed.HasExited, seed.Output);
    }
}

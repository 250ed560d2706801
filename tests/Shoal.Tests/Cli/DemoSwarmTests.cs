using Shoal.Cli.Commands;

namespace Shoal.Tests.Cli;

/// <summary>How the demo sizes a big swarm to the machine: its rates and the connections each leecher keeps.</summary>
public class DemoSwarmTests
{
    [Fact]
    public void Up_to_a_hundred_leechers_keep_the_default_rates_and_a_thousand_share_32_MiB_per_second()
    {
        Assert.Equal((16L << 20, 4L << 20, 1L << 20), DemoSwarm.Defaults(100));
        var (size, seedUp, peerUp) = DemoSwarm.Defaults(1000);
        Assert.Equal(4L << 20, size);
        Assert.Equal(1L << 20, seedUp);
        Assert.InRange(peerUp * 1000, (32L << 20) - 1000, 32L << 20);
    }

    [Fact]
    public void Connections_per_leecher_fit_the_open_file_limit_and_never_pass_the_torrent_default()
    {
        Assert.Equal(new TorrentOptions().MaxConnections, DemoSwarm.ConnectionsPerLeecher(100, 20_000));
        int perLeecher = DemoSwarm.ConnectionsPerLeecher(1000, 20_000);
        Assert.InRange(perLeecher, DemoSwarm.FewestConnections, 20);
        // every connection is two files of the process: the leechers' ends and their other files fit
        Assert.True(1001L * (perLeecher + DemoSwarm.FilesPerClient) + 500 <= 20_000);
        Assert.True(DemoSwarm.ConnectionsPerLeecher(1000, 4096) < DemoSwarm.FewestConnections);
    }
}

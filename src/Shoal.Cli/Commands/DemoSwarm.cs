namespace Shoal.Cli.Commands;

/// <summary>
/// How big a swarm the demo can host in one process: every connection between two of its
/// clients is two open files of this process, so with many leechers each keeps fewer peers.
/// </summary>
public static class DemoSwarm
{
    public const int MaxPeers = 1000;

    /// <summary>Below this many connections a leecher would hardly find the pieces it lacks: the demo refuses to start.</summary>
    public const int FewestConnections = 8;

    /// <summary>Files a client holds besides its peers: its listener, its data file, the tracker connection (both ends), a spare.</summary>
    public const int FilesPerClient = 5;

    /// <summary>The file size, seed upload and leecher upload the demo uses when not told: the same up to 100 leechers, then scaled to fit two cores.</summary>
    public static (long Size, long SeedUp, long PeerUp) Defaults(int leechers) =>
        leechers <= 100 ? (16L << 20, 4L << 20, 1L << 20) : (4L << 20, 1L << 20, (32L << 20) / leechers);

    /// <summary>Connections each leecher may keep: the default (60) when the files allow it, fewer in a big swarm.</summary>
    public static int ConnectionsPerLeecher(int leechers, long openFileLimit)
    {
        long budget = openFileLimit - 500L - (long)FilesPerClient * (leechers + 1);
        return (int)Math.Clamp(budget / (leechers + 1), 0, new TorrentOptions().MaxConnections);
    }

    /// <summary>The soft limit on open files (RLIMIT_NOFILE; .NET raises it to the hard limit at start), from /proc; a large number where that is not there.</summary>
    public static long OpenFileLimit()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/limits"))
            {
                if (!line.StartsWith("Max open files", StringComparison.Ordinal))
                    continue;
                string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.TryParse(parts[3], out long soft) ? soft : long.MaxValue / 4;
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return long.MaxValue / 4;
    }
}

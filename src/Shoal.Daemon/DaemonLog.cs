using Microsoft.Extensions.Logging;

namespace Shoal.Daemon;

internal static partial class DaemonLog
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "shoal daemon: RPC on {Url}/transmission/rpc, peers on port {PeerPort}, state in {State}")]
    public static partial void Started(ILogger logger, string url, int peerPort, string state);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "watch folder: {Path} is not a valid torrent ({Error}); renamed .invalid")]
    public static partial void WatchedFileInvalid(ILogger logger, string path, string error);

    [LoggerMessage(EventId = 202, Level = LogLevel.Debug, Message = "watch folder: {Path} not read yet: {Error}")]
    public static partial void WatchedFileUnreadable(ILogger logger, string path, string error);

    [LoggerMessage(EventId = 203, Level = LogLevel.Error, Message = "torrent {Hash} not brought back: {Error}")]
    public static partial void TorrentNotRestored(ILogger logger, string hash, string error);

    [LoggerMessage(EventId = 204, Level = LogLevel.Information, Message = "{Name}: seeding stopped, {Reason}")]
    public static partial void SeedLimitReached(ILogger logger, string name, string reason);

    [LoggerMessage(EventId = 205, Level = LogLevel.Information, Message = "turtle schedule: alternative speed limits {On}")]
    private static partial void TurtleScheduledCore(ILogger logger, string on);

    public static void TurtleScheduled(ILogger logger, bool on) => TurtleScheduledCore(logger, on ? "on" : "off");

    [LoggerMessage(EventId = 206, Level = LogLevel.Information, Message = "the network changed: announcing {Count} torrents again")]
    public static partial void NetworkChanged(ILogger logger, int count);
}

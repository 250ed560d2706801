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

    [LoggerMessage(EventId = 207, Level = LogLevel.Error, Message = "channels: {Path} not read ({Error}); what was seen of each channel starts afresh")]
    public static partial void ChannelStateUnreadable(ILogger logger, string path, string error);

    [LoggerMessage(EventId = 208, Level = LogLevel.Error, Message = "channel {Link} not followed: {Error}")]
    public static partial void ChannelRefused(ILogger logger, string link, string error);

    [LoggerMessage(EventId = 209, Level = LogLevel.Information, Message = "channel {Link}: version {Sequence} is {Hash}; added")]
    public static partial void ChannelVersionAdded(ILogger logger, string link, long sequence, string hash);

    [LoggerMessage(EventId = 210, Level = LogLevel.Information, Message = "channel {Link}: version {Sequence} removed (older than the versions kept)")]
    public static partial void ChannelVersionRemoved(ILogger logger, string link, long sequence);

    [LoggerMessage(EventId = 211, Level = LogLevel.Error, Message = "channel {Link}: the look-up failed")]
    public static partial void ChannelPollFailed(ILogger logger, string link, Exception exception);
}

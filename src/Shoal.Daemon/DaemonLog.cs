using Microsoft.Extensions.Logging;

namespace Shoal.Daemon;

internal static partial class DaemonLog
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "shoal daemon: RPC on {Url}/transmission/rpc, peers on port {PeerPort}, state in {State}")]
    public static partial void Started(ILogger logger, string url, int peerPort, string state);
}

using System.Net;
using Microsoft.Extensions.Logging;

namespace Shoal.Dht;

internal static partial class DhtLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Warning, Message = "DHT bootstrap node {Node} not resolved: {Error}")]
    public static partial void BootstrapUnresolved(ILogger logger, string node, string error);

    [LoggerMessage(EventId = 101, Level = LogLevel.Error, Message = "DHT state not saved to {File}: {Error}")]
    public static partial void StateNotSaved(ILogger logger, string file, string error);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "DHT nodes see us at {Address}: our node id is now {Id} (BEP 42)")]
    public static partial void NewNodeId(ILogger logger, IPAddress address, NodeId id);

    [LoggerMessage(EventId = 103, Level = LogLevel.Critical, Message = "DHT: a bug of ours on one datagram (the node goes on)")]
    public static partial void DatagramFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 104, Level = LogLevel.Critical, Message = "DHT: {What} failed, a bug of ours")]
    public static partial void TaskFailed(ILogger logger, string what, Exception exception);
}

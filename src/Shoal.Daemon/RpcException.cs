namespace Shoal.Daemon;

/// <summary>A request the daemon refuses: its message is the RPC result string the client sees.</summary>
public sealed class RpcException(string message) : Exception(message);

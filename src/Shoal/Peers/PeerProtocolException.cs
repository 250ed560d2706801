namespace Shoal.Peers;

/// <summary>A peer broke the protocol; the connection is closed with this reason.</summary>
public sealed class PeerProtocolException(string message) : Exception(message);

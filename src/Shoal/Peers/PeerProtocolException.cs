namespace Shoal.Peers;

/// <summary>A peer broke the protocol; the connection is closed with this reason.</summary>
internal sealed class PeerProtocolException(string message) : Exception(message);

namespace Shoal.Tracker;

/// <summary>Answers one datagram into <paramref name="reply"/>; returns the reply's length (0: no reply).</summary>
internal delegate int UdpAnswer(ReadOnlySpan<byte> packet, PeerEndpoint client, Span<byte> reply);

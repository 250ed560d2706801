using System.Net;

namespace Shoal.Net;

/// <summary>A datagram from <paramref name="from"/> to our <paramref name="localAddress"/> (valid only during the call).</summary>
internal delegate void DatagramHandler(ReadOnlyMemory<byte> datagram, IPEndPoint from, IPAddress localAddress);

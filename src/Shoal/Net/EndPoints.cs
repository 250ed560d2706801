using System.Net;
using System.Net.Sockets;

namespace Shoal.Net;

internal static class EndPoints
{
    /// <summary>IPv4-mapped IPv6 addresses become plain IPv4, so one peer has one address.</summary>
    public static IPEndPoint Normalize(IPEndPoint endPoint) =>
        endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;

    /// <summary>
    /// Whether an address another peer handed us (PEX, DHT, LSD) can be a peer's: a port, and
    /// not unspecified, broadcast or multicast.
    /// </summary>
    public static bool IsPeerAddress(IPEndPoint endPoint)
    {
        if (endPoint.Port is <= 0 or > 65535)
            return false;
        var address = Normalize(endPoint).Address;
        if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.Broadcast))
            return false;
        if (address.AddressFamily == AddressFamily.InterNetwork)
            return address.GetAddressBytes()[0] is not (>= 224 and <= 239) and not 0;
        return !address.IsIPv6Multicast;
    }
}

using System.Net;

namespace Shoal.Net;

public static class EndPoints
{
    /// <summary>IPv4-mapped IPv6 addresses become plain IPv4, so one peer has one address.</summary>
    public static IPEndPoint Normalize(IPEndPoint endPoint) =>
        endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;
}

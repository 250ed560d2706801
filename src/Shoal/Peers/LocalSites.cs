using System.Net;
using System.Net.NetworkInformation;

namespace Shoal.Peers;

/// <summary>
/// Which peers are local: of the same site (in the client's <see cref="SiteMap"/>) as one of our
/// own addresses, the ones we listen on or, for a wildcard, every address of the machine's
/// interfaces. Refreshed when the machine's addresses change. Thread-safe (an immutable set is swapped).
/// </summary>
internal sealed class LocalSites(SiteMap map)
{
    private HashSet<long> _own = [];

    /// <summary>Takes our sites from <paramref name="listening"/> (the wildcard means every interface's addresses).</summary>
    public void Refresh(IEnumerable<IPAddress> listening)
    {
        var own = new HashSet<long>();
        foreach (var address in listening)
        {
            if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
            {
                foreach (var machine in MachineAddresses())
                    own.Add(map.SiteOf(machine));
            }
            else
            {
                own.Add(map.SiteOf(address));
            }
        }
        Volatile.Write(ref _own, own);
    }

    /// <summary>True when <paramref name="address"/> is in one of our sites.</summary>
    public bool IsLocal(IPAddress address) => Volatile.Read(ref _own).Contains(map.SiteOf(address));

    private static IEnumerable<IPAddress> MachineAddresses()
    {
        NetworkInterface[] interfaces;
        try
        {
            interfaces = NetworkInterface.GetAllNetworkInterfaces();
        }
        catch (NetworkInformationException)
        {
            return [IPAddress.Loopback, IPAddress.IPv6Loopback];
        }
        return interfaces.Where(i => i.OperationalStatus != OperationalStatus.Down)
            .SelectMany(i => i.GetIPProperties().UnicastAddresses.Select(u => u.Address))
            .Append(IPAddress.Loopback).Append(IPAddress.IPv6Loopback);
    }
}

using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Shoal.Peers;

namespace Shoal.Tests.Peers;

public class LocalSitesTests
{
    [Fact]
    public void Without_a_map_a_peer_on_our_slash_24_is_local_and_others_are_not()
    {
        var sites = new LocalSites(SiteMap.Default);
        sites.Refresh([IPAddress.Parse("10.0.7.5")]);
        Assert.True(sites.IsLocal(IPAddress.Parse("10.0.7.200")));
        Assert.True(sites.IsLocal(IPAddress.Parse("::ffff:10.0.7.9")));
        Assert.False(sites.IsLocal(IPAddress.Parse("10.0.8.5")));
    }

    [Fact]
    public void With_a_map_every_subnet_of_our_office_is_local_and_no_other_office_is()
    {
        var map = SiteMap.Parse(["10.1.0.0/16 berlin", "10.2.0.0/16 lyon"]);
        var sites = new LocalSites(map);
        sites.Refresh([IPAddress.Parse("10.1.4.5")]);
        Assert.True(sites.IsLocal(IPAddress.Parse("10.1.200.1")));
        Assert.False(sites.IsLocal(IPAddress.Parse("10.2.4.5")));
    }

    [Fact]
    public void Listening_on_every_address_makes_loopback_peers_local()
    {
        var sites = new LocalSites(SiteMap.Default);
        sites.Refresh([IPAddress.IPv6Any]);
        Assert.True(sites.IsLocal(IPAddress.Loopback));
        Assert.False(sites.IsLocal(AddressOnNoInterface()));
    }

    /// <summary>An IPv4 address in a /24 that none of this machine's interfaces is on.</summary>
    private static IPAddress AddressOnNoInterface()
    {
        var ours = NetworkInterface.GetAllNetworkInterfaces().SelectMany(i => i.GetIPProperties().UnicastAddresses)
            .Where(u => u.Address.AddressFamily == AddressFamily.InterNetwork).Select(u => u.Address.GetAddressBytes()[..3]).ToList();
        for (int third = 0; ; third++)
        {
            byte[] candidate = [203, 0, (byte)third];
            if (!ours.Any(o => o.SequenceEqual(candidate)))
                return new IPAddress([.. candidate, 77]);
        }
    }
}

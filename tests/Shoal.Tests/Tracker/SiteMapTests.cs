using System.Net;
using Shoal.Tracker;

namespace Shoal.Tests.Tracker;

public class SiteMapTests
{
    private static TrackerAnnounce From(string ip, int port, long left = 5) =>
        TrackerAnnounce.Of(InfoHashKey.From(new byte[20]), IPAddress.Parse(ip), port, left);

    [Fact]
    public void Peers_of_the_announcers_site_come_first()
    {
        var sites = SiteMap.Parse([
            "# two offices and a WAN seed",
            "127.0.1.0/24  office-a",
            "127.0.2.0/23  office-b   # covers 127.0.2.x and 127.0.3.x",
            "::1/128 office-a",
        ]);
        var registry = new SwarmRegistry(sites: sites);
        for (int i = 0; i < 30; i++)
            registry.Announce(From($"127.0.1.{i + 1}", 7000 + i));     // office A
        for (int i = 0; i < 30; i++)
            registry.Announce(From($"127.0.{2 + i % 2}.{i + 1}", 8000 + i)); // office B, two /24s
        registry.Announce(From("127.9.9.9", 9000, left: 0));            // elsewhere

        var b = registry.Announce(From("127.0.3.200", 8100) with { NumWant = 40 });
        Assert.Equal(40, b.Peers.Count);
        Assert.All(b.Peers.Take(30), p => Assert.Equal(sites.SiteOf(IPAddress.Parse("127.0.2.1")), p.Site));
        Assert.All(b.Peers.Skip(30), p => Assert.NotEqual(sites.SiteOf(IPAddress.Parse("127.0.2.1")), p.Site));

        var a = registry.Announce(From("::1", 7100) with { NumWant = 5 });
        Assert.All(a.Peers, p => Assert.StartsWith("127.0.1.", p.Endpoint.ToIPAddress().ToString()));
    }

    [Fact]
    public void Without_a_file_each_slash_24_and_slash_64_is_a_site()
    {
        var map = SiteMap.Default;
        Assert.Equal(map.SiteOf(IPAddress.Parse("10.1.2.3")), map.SiteOf(IPAddress.Parse("10.1.2.200")));
        Assert.NotEqual(map.SiteOf(IPAddress.Parse("10.1.2.3")), map.SiteOf(IPAddress.Parse("10.1.3.3")));
        Assert.Equal(map.SiteOf(IPAddress.Parse("2001:db8:1:2::5")), map.SiteOf(IPAddress.Parse("2001:db8:1:2:ffff::1")));
        Assert.NotEqual(map.SiteOf(IPAddress.Parse("2001:db8:1:2::5")), map.SiteOf(IPAddress.Parse("2001:db8:1:3::5")));
        Assert.Equal(map.SiteOf(IPAddress.Parse("10.1.2.3")), map.SiteOf(IPAddress.Parse("::ffff:10.1.2.9")));
    }

    [Theory]
    [InlineData("10.0.0.0 office")]
    [InlineData("10.0.0.0/33 office")]
    [InlineData("nonsense/8 office")]
    [InlineData("10.0.0.0/8")]
    public void A_bad_line_is_named(string line)
    {
        var e = Assert.Throws<FormatException>(() => SiteMap.Parse(["# ok", line]));
        Assert.Contains("line 2", e.Message);
    }
}

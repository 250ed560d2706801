using System.Net;

namespace Shoal.Tests.Tracker;

public class SiteMapTests
{
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

using Shoal.Metainfo;

namespace Shoal.Tests.Metainfo;

public class MagnetLinkTests
{
    private const string Hex = "c12fe1c06bba254a9dc9f519b335aa7c1367a88a";

    [Fact]
    public void ParsesHexInfoHashAndParameters()
    {
        var m = MagnetLink.Parse($"magnet:?xt=urn:btih:{Hex.ToUpperInvariant()}&dn=My+File%20v2&tr=udp%3A%2F%2Ft1%3A80&tr=http://t2/announce&ws=http%3A%2F%2Fseed%2Ff&x.pe=10.0.0.1:6881&x.pe=[::1]:51413&so=0,2,4-6&future=1");
        Assert.Equal(Hex, m.InfoHashes.V1!.Value.ToHex());
        Assert.Null(m.InfoHashes.V2);
        Assert.Equal("My File v2", m.DisplayName);
        Assert.Equal(["udp://t1:80", "http://t2/announce"], m.Trackers);
        Assert.Equal(["http://seed/f"], m.WebSeeds);
        Assert.Equal(["10.0.0.1:6881", "[::1]:51413"], m.Peers);
        Assert.Equal([0, 2, 4, 5, 6], m.SelectOnly!);
    }

    [Fact]
    public void ParsesBase32InfoHash()
    {
        var bytes = Convert.FromHexString(Hex);
        var m = MagnetLink.Parse("magnet:?xt=urn:btih:" + Base32.Encode(bytes).ToLowerInvariant());
        Assert.Equal(Hex, m.InfoHashes.V1!.Value.ToHex());
        Assert.Equal(32, Base32.Encode(bytes).Length);
    }

    [Fact]
    public void ParsesV2AndHybridMagnets()
    {
        string v2 = "caf1e1c30e81cb361b9ee167c4aa64228a7fa4fa9f6105232b28ad099f3a302e";
        var m = MagnetLink.Parse($"magnet:?xt=urn:btmh:1220{v2}&xt=urn:btih:{Hex}");
        Assert.Equal(v2, m.InfoHashes.V2!.Value.ToHex());
        Assert.Equal(Hex, m.InfoHashes.V1!.Value.ToHex());
        Assert.Equal(Hex, m.InfoHashes.Primary.ToHex());
        Assert.Equal(v2[..40], MagnetLink.Parse($"magnet:?xt=urn:btmh:1220{v2}").InfoHashes.Primary.ToHex());
    }

    [Fact]
    public void FormatsAndReparses()
    {
        var m = new MagnetLink
        {
            InfoHashes = new InfoHashes(InfoHash.FromHex(Hex), null),
            DisplayName = "a & b = c",
            Trackers = ["http://t/announce?x=1&y=2"],
            WebSeeds = ["http://w/"],
            Peers = ["127.0.0.1:1"],
            SelectOnly = [1, 2, 3, 7],
        };
        var text = m.ToString();
        Assert.Contains("so=1-3,7", text, StringComparison.Ordinal);
        var back = MagnetLink.Parse(text);
        Assert.Equal(m.DisplayName, back.DisplayName);
        Assert.Equal(m.Trackers, back.Trackers);
        Assert.Equal(m.WebSeeds, back.WebSeeds);
        Assert.Equal(m.Peers, back.Peers);
        Assert.Equal(m.SelectOnly, back.SelectOnly);
    }

    [Theory]
    [InlineData("http://example.com", "does not start")]
    [InlineData("magnet:?dn=x", "no 'urn:btih:'")]
    [InlineData("magnet:?xt=urn:btih:abc", "40 hex or 32 base32")]
    [InlineData("magnet:?xt=urn:btih:zz2fe1c06bba254a9dc9f519b335aa7c1367a88a", "40 hex or 32 base32")]
    [InlineData("magnet:?xt=urn:btmh:1114c12fe1c06bba254a9dc9f519b335aa7c1367a88a", "sha2-256 multihash")]
    [InlineData("magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a", "more than one")]
    [InlineData("magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&so=5-2", "bad range")]
    [InlineData("magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&so=0-99999999", "bad range")]
    [InlineData("magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&so=x", "not an index")]
    public void RejectsBadLinks(string link, string reason)
    {
        var error = Assert.Throws<TorrentFormatException>(() => MagnetLink.Parse(link));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }
}

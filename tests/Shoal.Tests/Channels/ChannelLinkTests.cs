using Shoal.Channels;
using Shoal.Metainfo;

namespace Shoal.Tests.Channels;

/// <summary>BEP 46 links and values: the spec's target vectors, round trips, and what is refused.</summary>
public class ChannelLinkTests
{
    private const string Key = "8543d3e6115f0f98c944077a4493dcd543e49c739fd998550a1f614ab36ed63e";

    [Theory]
    [InlineData("magnet:?xs=urn:btpk:" + Key, "cc3f9d90b572172053626f9980ce261a850d050b")]
    [InlineData("magnet:?xs=urn:btpk:" + Key + "&s=6e", "59ee7c2cb9b4f7eb1986ee2d18fd2fdb8a56554f")]
    public void The_bep_46_vectors_give_the_target_ids(string link, string target)
    {
        var channel = ChannelLink.Parse(link);
        Assert.Equal(target, Convert.ToHexStringLower(channel.Target.Span));
        Assert.Equal(link, channel.ToString());
        Assert.True(ChannelLink.IsChannelLink(link));
    }

    [Theory]
    [InlineData("magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567", "no 'xs=urn:btpk:' key")]
    [InlineData("http://example.org/", "starts with 'magnet:?'")]
    [InlineData("magnet:?xs=urn:btpk:8543", "is 32 bytes, not 2")]
    [InlineData("magnet:?xs=urn:btpk:zz43d3e6115f0f98c944077a4493dcd543e49c739fd998550a1f614ab36ed63e", "the key is not hex")]
    [InlineData("magnet:?xs=urn:btpk:" + Key + "&s=6", "the salt is not hex")]
    [InlineData("magnet:?xs=urn:btpk:" + Key + "&xs=urn:btpk:" + Key, "two keys")]
    public void A_link_that_is_not_a_channel_is_refused_saying_why(string link, string reason)
    {
        Assert.Contains(reason, Assert.Throws<FormatException>(() => ChannelLink.Parse(link)).Message);
    }

    [Fact]
    public void A_salt_over_64_bytes_and_an_overlong_link_are_refused()
    {
        Assert.Contains("at most 64 bytes", Assert.Throws<FormatException>(() => ChannelLink.Parse($"magnet:?xs=urn:btpk:{Key}&s={new string('a', 130)}")).Message);
        Assert.Contains("characters", Assert.Throws<FormatException>(() => ChannelLink.Parse("magnet:?" + new string('x', ChannelLink.MaxLength))).Message);
        Assert.Equal(64, ChannelLink.Parse($"magnet:?xs=urn:btpk:{Key}&s={new string('a', 128)}").Salt.Length);
    }

    [Fact]
    public void A_value_names_one_info_hash_and_anything_else_is_refused()
    {
        var hash = new InfoHash(Enumerable.Range(1, 20).Select(i => (byte)i).ToArray());
        byte[] value = ChannelValue.Encode(hash);
        Assert.Equal("d2:ih20:", System.Text.Encoding.ASCII.GetString(value, 0, 8));
        Assert.Equal(hash, ChannelValue.Decode(value));
        foreach (string bad in new[] { "d2:ih19:aaaaaaaaaaaaaaaaaaae", "d2:ih20:aaaaaaaaaaaaaaaaaaaa1:xi1ee", "l20:aaaaaaaaaaaaaaaaaaaae", "i5e", "d2:ih" })
            Assert.Throws<FormatException>(() => ChannelValue.Decode(System.Text.Encoding.ASCII.GetBytes(bad)));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void A_key_file_is_private_to_its_owner_never_overwritten_and_gives_the_same_key_back()
    {
        string path = Path.Combine(Shoal.Tests.TestData.TempDir(), "publisher.key");
        using var key = ChannelKey.Generate();
        key.Save(path);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        using var loaded = ChannelKey.Load(path);
        Assert.Equal(key.PublicKey.ToArray(), loaded.PublicKey.ToArray());
        Assert.Throws<IOException>(() => ChannelKey.Generate().Save(path));
        Assert.Equal(key.PublicKey.ToArray(), ChannelKey.Load(path).PublicKey.ToArray());

        File.WriteAllText(path + ".bad", "not a key");
        Assert.Contains("not a key file", Assert.Throws<FormatException>(() => ChannelKey.Load(path + ".bad")).Message);
        File.WriteAllBytes(path + ".big", new byte[4096]);
        Assert.Contains("not a key file", Assert.Throws<FormatException>(() => ChannelKey.Load(path + ".big")).Message);
    }
}

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Shoal.Bencode;
using Shoal.Channels;
using Shoal.Metainfo;
using Shoal.Tests.WebSeeds;

namespace Shoal.Tests.Channels;

/// <summary>A channel served over HTTP: only the channel's own signature is taken, and a bad server ends in a clear error.</summary>
public class ChannelFeedTests
{
    private static readonly InfoHash Version1 = new(Enumerable.Repeat((byte)7, 20).ToArray());

    [Fact]
    public void A_feed_is_read_back_only_for_its_own_key_and_salt_and_with_a_signature_that_verifies()
    {
        using var key = ChannelKey.Generate();
        using var other = ChannelKey.Generate();
        byte[] feed = ChannelFeed.Create(key, "stable"u8, new ChannelVersion(Version1, 3));
        Assert.Equal(new ChannelVersion(Version1, 3), ChannelFeed.Read(feed, key.Link("stable"u8)));

        Assert.Contains("not signed with the channel's key", Assert.Throws<FormatException>(() => ChannelFeed.Read(feed, other.Link("stable"u8))).Message);
        Assert.Contains("another salt", Assert.Throws<FormatException>(() => ChannelFeed.Read(feed, key.Link("beta"u8))).Message);
        // The same item with its sequence number raised (a replay dressed up as new) no longer verifies.
        var raised = (BDictionary)BencodeReader.Decode(feed);
        raised.Set("seq", 4);
        Assert.Contains("invalid signature", Assert.Throws<FormatException>(() => ChannelFeed.Read(BencodeWriter.Encode(raised), key.Link("stable"u8))).Message);
        var unsigned = (BDictionary)BencodeReader.Decode(feed);
        unsigned.Set("sig", new BString(new byte[64]));
        Assert.Contains("invalid signature", Assert.Throws<FormatException>(() => ChannelFeed.Read(BencodeWriter.Encode(unsigned), key.Link("stable"u8))).Message);
        Assert.Contains("not a bencoded dictionary", Assert.Throws<FormatException>(() => ChannelFeed.Read("<html>"u8, key.Link("stable"u8))).Message);
        Assert.Contains("at most", Assert.Throws<FormatException>(() => ChannelFeed.Read(new byte[ChannelFeed.MaxLength + 1], key.Link("stable"u8))).Message);
    }

    [Fact]
    public async Task Fetching_a_feed_that_hangs_redirects_forever_sends_garbage_or_is_missing_fails_with_a_reason()
    {
        using var key = ChannelKey.Generate();
        var link = key.Link();
        byte[] feed = ChannelFeed.Create(key, [], new ChannelVersion(Version1, 9));
        var (app, url) = await LoopbackKestrel.StartAsync(web =>
        {
            web.MapGet("/feed", () => Results.Bytes(feed, ChannelFeed.MediaType));
            web.MapGet("/hang", async (CancellationToken aborted) => await Task.Delay(Timeout.Infinite, aborted));
            web.MapGet("/loop", (HttpContext context) => Results.Redirect("/loop"));
            web.MapGet("/garbage", () => Results.Bytes(new byte[100_000]));
        });
        await using var _ = app;
        using var http = new HttpClient();
        var root = new Uri(url);

        Assert.Equal(new ChannelVersion(Version1, 9), await ChannelFeed.FetchAsync(http, new Uri(root, "/feed"), link, TimeSpan.FromSeconds(10)));
        await Assert.ThrowsAsync<TimeoutException>(() => ChannelFeed.FetchAsync(http, new Uri(root, "/hang"), link, TimeSpan.FromMilliseconds(300)));
        var loop = await Assert.ThrowsAsync<HttpRequestException>(() => ChannelFeed.FetchAsync(http, new Uri(root, "/loop"), link, TimeSpan.FromSeconds(10)));
        Assert.Contains("answered 302", loop.Message);
        Assert.Contains("at most", (await Assert.ThrowsAsync<FormatException>(() => ChannelFeed.FetchAsync(http, new Uri(root, "/garbage"), link, TimeSpan.FromSeconds(10)))).Message);
        Assert.Contains("answered 404", (await Assert.ThrowsAsync<HttpRequestException>(() => ChannelFeed.FetchAsync(http, new Uri(root, "/none"), link, TimeSpan.FromSeconds(10)))).Message);
        await Assert.ThrowsAsync<FormatException>(() => ChannelFeed.FetchAsync(http, new Uri("ftp://127.0.0.1/feed"), link, TimeSpan.FromSeconds(1)));
    }
}

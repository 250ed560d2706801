using Shoal.Channels;
using Shoal.Dht;

namespace Shoal.Cli.Commands;

/// <summary>A channel's current version for `info` and `get`: from a DHT node of the command's own and/or the channel's HTTP feed.</summary>
internal static class ChannelLookup
{
    /// <summary>The feed URL of `--feed`, checked.</summary>
    public static Uri? FeedUrl(string? text) =>
        text is null ? null
        : Uri.TryCreate(text, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps) ? url
        : throw new UsageException($"--feed: '{text}' is not an http(s) URL");

    /// <summary>The newest version the DHT (through <paramref name="node"/>) and the feed hold; an error saying why when neither has one.</summary>
    public static async Task<ChannelVersion> ResolveAsync(DhtService? node, Uri? feed, ChannelLink link, CancellationToken cancellationToken)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxAutomaticRedirections = 5 });
        var found = await ChannelResolver.ResolveAsync(link, node, http, feed, cancellationToken);
        return found.Version ?? throw new InvalidOperationException($"channel {link}: {string.Join("; ", found.Problems)}");
    }
}

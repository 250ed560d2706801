using Shoal.Channels;
using Shoal.Dht;

namespace Shoal.Cli.Commands;

/// <summary>A channel's current version for `info` and `get`: from a DHT node of the command's own and/or the channel's HTTP feed.</summary>
internal static class ChannelLookup
{
    public static DhtService StartNode(DhtOptions options, string[]? bind, int port)
    {
        try
        {
            return DhtService.StartStandalone(options, CliParsing.BindAddresses(bind), port);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new IOException($"cannot listen on UDP port {port}: {e.Message}");
        }
    }

    /// <summary>The feed URL of `--feed`, checked.</summary>
    public static Uri? FeedUrl(string? text) =>
        text is null ? null
        : Uri.TryCreate(text, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps) ? url
        : throw new UsageException($"--feed: '{text}' is not an http(s) URL");

    /// <summary>
    /// The newest version that verifies, of those the DHT (through <paramref name="node"/>, once
    /// it joined) and the feed hold; an error saying why when neither has one.
    /// </summary>
    public static async Task<ChannelVersion> ResolveAsync(DhtService? node, Uri? feed, ChannelLink link, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        ChannelVersion? best = null;
        if (feed is not null)
        {
            using var http = new HttpClient(new SocketsHttpHandler { MaxAutomaticRedirections = 5 });
            try
            {
                best = await ChannelFeed.FetchAsync(http, feed, link, TimeSpan.FromSeconds(20), cancellationToken);
            }
            catch (Exception e) when (e is FormatException or HttpRequestException or TimeoutException)
            {
                problems.Add(e.Message);
            }
        }
        if (node is not null)
        {
            await node.Ready.WaitAsync(cancellationToken);
            try
            {
                if (await node.ResolveChannelAsync(link, cancellationToken) is { } found && found.Sequence > (best?.Sequence ?? 0))
                    best = found;
                else if (best is null)
                    problems.Add($"no node of the DHT has a version of it ({node.GetStats().Nodes} nodes known)");
            }
            catch (FormatException e)
            {
                problems.Add(e.Message);
            }
        }
        return best ?? throw new InvalidOperationException($"channel {link}: {string.Join("; ", problems)}");
    }
}

using Shoal.Dht;

namespace Shoal.Channels;

/// <summary>What looking a channel up found: the newest version that verified (null when none), and what went wrong on the way, one sentence per source.</summary>
public sealed record ChannelResolution(ChannelVersion? Version, IReadOnlyList<string> Problems);

/// <summary>A channel's current version from every source it has: the DHT (BEP 46) and its HTTP(S) feed; the newest that verifies wins.</summary>
public static class ChannelResolver
{
    /// <summary>How long a feed may take to answer.</summary>
    public static readonly TimeSpan FeedTimeout = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Looks <paramref name="link"/> up in <paramref name="dht"/> (when given, once it joined) and
    /// at <paramref name="feed"/> (when given, with <paramref name="http"/>). A source that fails
    /// (no version, a forged or malformed item, a feed that is down) adds a problem and leaves
    /// the other to answer.
    /// </summary>
    public static async Task<ChannelResolution> ResolveAsync(ChannelLink link, DhtService? dht, HttpClient? http, Uri? feed,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(link);
        var problems = new List<string>();
        ChannelVersion? best = null;
        if (feed is not null)
        {
            if (http is null)
                throw new ArgumentNullException(nameof(http), "a feed needs an HttpClient");
            try
            {
                best = await ChannelFeed.FetchAsync(http, feed, link, FeedTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is FormatException or HttpRequestException or TimeoutException)
            {
                problems.Add(e.Message);
            }
        }
        if (dht is not null)
        {
            await dht.Ready.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var found = await dht.ResolveChannelAsync(link, cancellationToken).ConfigureAwait(false);
                if (found is null && best is null)
                    problems.Add($"no node of the DHT has a version of it ({dht.GetStats().Nodes} nodes known)");
                else if (found is not null && found.Sequence > (best?.Sequence ?? 0))
                    best = found;
            }
            catch (FormatException e)
            {
                problems.Add(e.Message);
            }
        }
        return new ChannelResolution(best, problems);
    }
}

using System.Text.Json.Nodes;
using Shoal.Discovery;

namespace Shoal.Daemon;

/// <summary>
/// A torrent's trackers in Transmission's terms: the <c>trackers</c>, <c>trackerStats</c> and
/// <c>trackerList</c> fields, and the edits of torrent-set (<c>trackerAdd</c>,
/// <c>trackerRemove</c>, <c>trackerReplace</c> of rpc-version 17, <c>trackerList</c> of 17+).
/// A tracker's id is its place in the list, as in Transmission.
/// </summary>
public static class TrackerFields
{
    public static JsonArray Trackers(TorrentSession session) =>
        [.. session.GetTrackers().Select(t => (JsonNode)new JsonObject
        {
            ["announce"] = t.Url, ["id"] = t.Id, ["scrape"] = ScrapeUrl(t.Url), ["sitename"] = SiteName(t.Url), ["tier"] = t.Tier,
        })];

    /// <summary>The announce URLs, one per line, tiers separated by a blank line.</summary>
    public static string TrackerList(TorrentSession session) =>
        string.Join("\n\n", session.Trackers.Select(tier => string.Join('\n', tier)));

    public static JsonArray Stats(TorrentSession session, DateTimeOffset now)
    {
        bool running = session.State is TorrentState.Downloading or TorrentState.Seeding or TorrentState.AwaitingMetadata;
        return [.. session.GetTrackers().Select(t => (JsonNode)new JsonObject
        {
            ["announce"] = t.Url,
            ["announceState"] = !running ? 0 : t.Announcing ? 3 : 1, // inactive, waiting, active
            ["downloadCount"] = -1,
            ["hasAnnounced"] = t.LastAnnounce is not null,
            // Counts come with announces (no separate scrape): shown as Transmission shows a scrape.
            ["hasScraped"] = t.Seeders is not null,
            ["host"] = Host(t.Url),
            ["id"] = t.Id,
            ["isBackup"] = t.IsBackup,
            ["lastAnnouncePeerCount"] = t.LastAnnouncePeerCount,
            ["lastAnnounceResult"] = t.LastAnnounceResult,
            ["lastAnnounceStartTime"] = Seconds(t.LastAnnounceStart),
            ["lastAnnounceSucceeded"] = t.LastAnnounceSucceeded,
            ["lastAnnounceTime"] = Seconds(t.LastAnnounce),
            ["lastAnnounceTimedOut"] = t.LastAnnounceTimedOut,
            ["lastScrapeResult"] = "",
            ["lastScrapeStartTime"] = t.Seeders is null ? 0 : Seconds(t.LastAnnounceStart),
            ["lastScrapeSucceeded"] = t.Seeders is not null,
            ["lastScrapeTime"] = t.Seeders is null ? 0 : Seconds(t.LastAnnounce),
            ["lastScrapeTimedOut"] = false,
            ["leecherCount"] = t.Leechers ?? -1,
            ["nextAnnounceTime"] = running && t.NextAnnounce is { } next && next > now ? Seconds(next) : 0,
            ["nextScrapeTime"] = 0,
            ["scrape"] = ScrapeUrl(t.Url),
            ["scrapeState"] = 0,
            ["seederCount"] = t.Seeders ?? -1,
            ["sitename"] = SiteName(t.Url),
            ["tier"] = t.Tier,
        })];
    }

    /// <summary>Applies torrent-set's tracker edits; true when the list changed. Throws <see cref="RpcException"/> on a bad URL or id.</summary>
    public static bool Edit(TorrentSession session, JsonObject args, Func<JsonObject, string, JsonNode?> arg)
    {
        var tiers = session.Trackers.Select(t => t.ToList()).ToList();
        var flat = tiers.SelectMany((t, tier) => t.Select(url => (url, tier))).ToList();
        bool changed = false;
        if (arg(args, "trackerList") is JsonValue listValue && listValue.TryGetValue(out string? text))
        {
            var blocks = text.Replace("\r", "", StringComparison.Ordinal).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
            tiers = [.. blocks.Select(b => b.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Checked).ToList()).Where(t => t.Count > 0)];
            changed = true;
        }
        if (arg(args, "trackerRemove") is JsonArray remove)
        {
            var ids = remove.Select(Id).ToHashSet();
            foreach (int id in ids)
            {
                if (id < 0 || id >= flat.Count)
                    throw new RpcException($"no tracker with id {id}");
            }
            tiers = [.. tiers.Select((t, tier) => t.Where(url => !ids.Contains(flat.FindIndex(f => f.url == url && f.tier == tier))).ToList()).Where(t => t.Count > 0)];
            changed = true;
        }
        if (arg(args, "trackerReplace") is JsonArray replace)
        {
            for (int i = 0; i + 1 < replace.Count; i += 2)
            {
                int id = Id(replace[i]);
                if (id < 0 || id >= flat.Count)
                    throw new RpcException($"no tracker with id {id}");
                string url = Checked((string?)replace[i + 1] ?? "");
                var (old, tier) = flat[id];
                int at = tiers.FindIndex(t => t.Contains(old));
                if (at >= 0)
                    tiers[at][tiers[at].IndexOf(old)] = url;
            }
            changed = true;
        }
        if (arg(args, "trackerAdd") is JsonArray add)
        {
            foreach (var node in add)
            {
                string url = Checked((string?)node ?? "");
                if (!tiers.Any(t => t.Contains(url)))
                    tiers.Add([url]); // each added tracker is a tier of its own, as Transmission does
            }
            changed = true;
        }
        if (changed)
            session.SetTrackers(tiers);
        return changed;
    }

    private static int Id(JsonNode? node) => node is JsonValue v && v.TryGetValue(out int id) ? id : throw new RpcException("tracker ids must be numbers");

    private static string Checked(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" or "udp" && url.Length <= 2048
            ? url : throw new RpcException($"invalid tracker announce URL: {url}");

    private static string Host(string url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) ? $"{uri.Scheme}://{uri.Host}:{uri.Port}" : url;

    private static string SiteName(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
            return "";
        var labels = uri.Host.Split('.');
        return System.Net.IPAddress.TryParse(uri.Host, out _) || labels.Length < 2 ? uri.Host : labels[^2];
    }

    /// <summary>The scrape URL by the usual convention (the last path part "announce..." becomes "scrape..."), else empty.</summary>
    private static string ScrapeUrl(string url)
    {
        int slash = url.LastIndexOf('/');
        return slash >= 0 && url.AsSpan(slash + 1).StartsWith("announce", StringComparison.Ordinal) ? string.Concat(url.AsSpan(0, slash + 1), "scrape", url.AsSpan(slash + 9)) : "";
    }

    private static long Seconds(DateTimeOffset? at) => at?.ToUnixTimeSeconds() ?? 0;
}

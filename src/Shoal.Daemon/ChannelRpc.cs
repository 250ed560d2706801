using System.Text.Json.Nodes;
using Shoal.Channels;
using static Shoal.Daemon.RpcArgs;

namespace Shoal.Daemon;

/// <summary>
/// Shoal's own RPC methods for channels, beside Transmission's: shoal-channel-add (link, and
/// optionally feed and download-dir), shoal-channel-get, shoal-channel-remove (ids, and
/// delete-local-data). torrent-add given a channel link follows the channel.
/// </summary>
internal sealed class ChannelRpc(ChannelFollower channels, TorrentBook book)
{
    public static bool Handles(string method) => method is "shoal-channel-add" or "shoal-channel-get" or "shoal-channel-remove";

    public async Task<JsonObject> CallAsync(string method, JsonObject args)
    {
        switch (method)
        {
            case "shoal-channel-add":
                return new JsonObject { ["channel"] = Describe(Follow(String(args, "link") ?? throw new RpcException("no link given"), args)) };
            case "shoal-channel-get":
                return new JsonObject { ["channels"] = new JsonArray([.. channels.All.Select(c => (JsonNode)Describe(c))]) };
            default:
                var ids = Arg(args, "ids") is JsonArray list ? list.OfType<JsonValue>().Select(v => v.TryGetValue(out int id) ? id : -1).ToHashSet() : null;
                bool delete = Bool(args, "delete-local-data") ?? false;
                foreach (var channel in channels.All.Where(c => ids is null || ids.Contains(c.Id)))
                    await channels.UnfollowAsync(channel, delete).ConfigureAwait(false);
                return [];
        }
    }

    /// <summary>Follows the channel of <paramref name="link"/> (torrent-add's filename or shoal-channel-add's link).</summary>
    public FollowedChannel Follow(string link, JsonObject args)
    {
        try
        {
            return channels.Follow(new ChannelSetting(link, String(args, "feed"), String(args, "download-dir")));
        }
        catch (FormatException e)
        {
            throw new RpcException($"not a channel: {e.Message}");
        }
    }

    public JsonObject Describe(FollowedChannel channel)
    {
        var torrents = book.All;
        var json = new JsonObject
        {
            ["id"] = channel.Id,
            ["link"] = channel.Link.ToString(),
            ["downloadDir"] = channel.Folder,
            ["sequence"] = channel.Sequence,
            ["changedDate"] = channel.ChangedDate,
            ["lastCheck"] = channel.LastCheck,
            ["error"] = channel.Error,
        };
        if (channel.Feed is not null)
            json["feed"] = channel.Feed.ToString();
        if (channel.Current is long current)
            json["current"] = current;
        var versions = new JsonArray();
        foreach (var version in channel.Versions)
        {
            var entry = new JsonObject { ["sequence"] = version.Sequence, ["hashString"] = version.Hash, ["addedDate"] = version.AddedDate };
            if (torrents.FirstOrDefault(t => t.HashString == version.Hash) is { } torrent)
            {
                var status = torrent.Session.GetStatus();
                entry["torrentId"] = torrent.Id;
                entry["name"] = status.Name;
                entry["percentDone"] = status.HasMetadata ? status.Progress : 0;
                entry["isFinished"] = torrent.Done;
            }
            versions.Add((JsonNode)entry);
        }
        json["versions"] = versions;
        return json;
    }
}

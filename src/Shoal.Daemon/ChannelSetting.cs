using System.Text.Json.Nodes;

namespace Shoal.Daemon;

/// <summary>A channel the daemon follows, as settings.json names it: its link, its HTTP(S) feed if any, and the folder its versions go to (each in a subfolder named by its sequence number).</summary>
public sealed record ChannelSetting(string Link, string? Feed, string? DownloadDir)
{
    public const int MaxChannels = 256;

    public static ChannelSetting? From(JsonObject entry) =>
        entry["link"] is JsonValue link && link.TryGetValue(out string? text) && text.Length > 0
            ? new ChannelSetting(text, String(entry, "feed"), String(entry, "download-dir"))
            : null;

    private static string? String(JsonObject entry, string key) => entry[key] is JsonValue v && v.TryGetValue(out string? s) && s.Length > 0 ? s : null;

    public JsonObject ToJson()
    {
        var json = new JsonObject { ["link"] = Link };
        if (Feed is not null)
            json["feed"] = Feed;
        if (DownloadDir is not null)
            json["download-dir"] = DownloadDir;
        return json;
    }
}

using System.Text.Json.Nodes;
using Shoal.Channels;

namespace Shoal.Daemon;

/// <summary>One version of a channel the daemon added: its sequence number, its torrent's info-hash, and when it came.</summary>
public sealed record ChannelVersionRecord(long Sequence, string Hash, long AddedDate);

/// <summary>A channel the daemon follows, with what it has seen of it so far (saved in channels.json).</summary>
public sealed class FollowedChannel(int id, ChannelSetting setting, ChannelLink link, Uri? feed, string folder)
{
    public int Id { get; } = id;
    public ChannelSetting Setting { get; } = setting;
    public ChannelLink Link { get; } = link;
    public Uri? Feed { get; } = feed;
    /// <summary>Where its versions go, each in a subfolder named by its sequence number; "current" links to the newest complete one.</summary>
    public string Folder { get; } = folder;
    /// <summary>The versions added and still kept, oldest first.</summary>
    public List<ChannelVersionRecord> Versions { get; } = [];
    /// <summary>The highest sequence number seen (a version at or below it is never added again).</summary>
    public long Sequence { get; set; }
    /// <summary>The complete version the folder's "current" link points at (null until one is).</summary>
    public long? Current { get; set; }
    /// <summary>When a new version was last added (unix seconds; 0: never).</summary>
    public long ChangedDate { get; set; }
    /// <summary>When it was last looked up (unix seconds; 0: not yet).</summary>
    public long LastCheck { get; set; }
    /// <summary>What went wrong at the last look-up or with the newest version ("" when nothing).</summary>
    public string Error { get; set; } = "";

    public ChannelVersionRecord? Newest => Versions.Count > 0 ? Versions[^1] : null;

    public JsonObject SaveState() => new()
    {
        ["link"] = Link.ToString(),
        ["sequence"] = Sequence,
        ["changedDate"] = ChangedDate,
        ["versions"] = new JsonArray([.. Versions.Select(v => (JsonNode)new JsonObject { ["sequence"] = v.Sequence, ["hash"] = v.Hash, ["addedDate"] = v.AddedDate })]),
    };

    public void LoadState(JsonObject saved)
    {
        Sequence = (long?)saved["sequence"] ?? 0;
        ChangedDate = (long?)saved["changedDate"] ?? 0;
        foreach (var v in (saved["versions"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if ((string?)v["hash"] is { Length: 40 } hash)
                Versions.Add(new ChannelVersionRecord((long?)v["sequence"] ?? 0, hash, (long?)v["addedDate"] ?? 0));
        }
    }
}

using System.Text.Json.Nodes;

namespace Shoal.Daemon;

/// <summary>
/// Reading RPC arguments: by name in any spelling, each of the type and range it must have, or a
/// clear <see cref="RpcException"/>; and the file choices that torrent-add and torrent-set share.
/// </summary>
internal static class RpcArgs
{
    /// <summary>An argument by its name in any spelling (download-dir, download_dir, downloadDir).</summary>
    public static JsonNode? Arg(JsonObject args, string name)
    {
        string wanted = TorrentFields.Canonical(name);
        return args.FirstOrDefault(a => TorrentFields.Canonical(a.Key) == wanted).Value;
    }

    public static string? String(JsonObject args, string name) => Arg(args, name) is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    public static bool? Bool(JsonObject args, string name) => Arg(args, name) is JsonValue v && v.TryGetValue(out bool b) ? b : null;

    /// <summary>A rate in kB/s: 0 to a day's worth of bytes at most, else a clear refusal.</summary>
    public static int? Rate(JsonObject args, string name)
    {
        if (Arg(args, name) is not JsonValue v)
            return null;
        return v.TryGetValue(out int rate) && rate is >= 0 and <= 100_000_000 ? rate : throw new RpcException($"{name} must be a number of kB/s");
    }

    public static SeedLimitMode? Mode(JsonObject args, string name) => Arg(args, name) is not JsonValue v ? null
        : v.TryGetValue(out int mode) && mode is >= 0 and <= 2 ? (SeedLimitMode)mode : throw new RpcException($"{name} must be 0 (global), 1 (this torrent's) or 2 (unlimited)");

    public static double? Ratio(JsonObject args, string name) => Arg(args, name) is not JsonValue v ? null
        : v.TryGetValue(out double ratio) && ratio is >= 0 and <= 1e6 ? ratio : throw new RpcException($"{name} must be a ratio from 0");

    /// <summary>A connection limit: 1 to 100,000 peers.</summary>
    public static int? PeerLimit(JsonObject args, string name) => Arg(args, name) is not JsonValue v ? null
        : v.TryGetValue(out int peers) && peers is >= 1 and <= 100_000 ? peers : throw new RpcException($"{name} must be a number of peers from 1 to 100000");

    public static int? Minutes(JsonObject args, string name) => Arg(args, name) is not JsonValue v ? null
        : v.TryGetValue(out int minutes) && minutes is >= 0 and <= 1_000_000 ? minutes : throw new RpcException($"{name} must be a number of minutes");

    /// <summary>
    /// Engine file priorities (see <see cref="DaemonTorrent.FilePriorities"/>) after the
    /// arguments' files-wanted, files-unwanted and priority-low/normal/high lists; an empty list
    /// means every file (the RPC spec's shorthand, which transmission-remote's "all" sends).
    /// </summary>
    public static int[] ChooseFiles(int[] current, JsonObject args)
    {
        var priorities = (int[])current.Clone();
        int files = priorities.Length;
        IEnumerable<int> Files(string key) => Arg(args, key) is JsonArray list
            ? list.Count == 0 ? Enumerable.Range(0, files) : list.OfType<JsonValue>().Select(v => v.TryGetValue(out int i) ? i : -1).Where(i => i >= 0 && i < files)
            : [];
        foreach (int i in Files("files-unwanted"))
            priorities[i] = 0;
        foreach (int i in Files("files-wanted"))
            priorities[i] = priorities[i] == 0 ? 2 : priorities[i];
        foreach (var (key, level) in new[] { ("priority-low", 1), ("priority-normal", 2), ("priority-high", 3) })
        {
            foreach (int i in Files(key))
                priorities[i] = priorities[i] == 0 ? 0 : level;
        }
        return priorities;
    }

    /// <summary>The file choices of a torrent-add, if it makes any.</summary>
    public static Func<int, int[]>? AddedFileChoices(JsonObject args) =>
        new[] { "files-wanted", "files-unwanted", "priority-low", "priority-normal", "priority-high" }.Any(k => Arg(args, k) is JsonArray)
            ? files => ChooseFiles([.. Enumerable.Repeat(2, files)], args)
            : null;
}

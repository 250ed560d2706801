using System.Text.Json;
using System.Text.Json.Nodes;
using Shoal.Metainfo;
using Shoal.Storage;

namespace Shoal.Daemon;

/// <summary>
/// The daemon's torrents and what brings them back after a restart, clean or not: the list
/// (<c>torrents.json</c>: id, hash, magnet, folder, paused, added) rewritten atomically on every
/// change, and each torrent's metainfo under <c>torrents/HASH.torrent</c>. Verified pieces come
/// back from the engine's resume data.
/// </summary>
public sealed class TorrentBook(ShoalClient client, string stateDirectory, TimeProvider time, Microsoft.Extensions.Logging.ILogger logger)
{
    /// <summary>The connection limit of a torrent added from now on (settings.json's peer-limit-per-torrent).</summary>
    public int PeerLimitPerTorrent { get; set; } = new TorrentOptions().MaxConnections;

    private readonly List<DaemonTorrent> _torrents = [];
    private readonly Lock _gate = new();
    private readonly Lock _saveGate = new();
    private int _nextId = 1;
    private readonly List<(int Id, DateTimeOffset At)> _removed = [];

    /// <summary>Transmission's session statistics, saved with the list.</summary>
    public DaemonStats Stats { get; } = new(Path.Combine(stateDirectory, "stats.json"), time);

    /// <summary>How long a removed torrent's id is reported to clients that poll "recently-active" (Transmission's minute).</summary>
    public static readonly TimeSpan RemovedWindow = TimeSpan.FromSeconds(60);

    /// <summary>The ids of the torrents removed within <see cref="RemovedWindow"/>.</summary>
    public IReadOnlyList<int> RecentlyRemoved()
    {
        var now = time.GetUtcNow();
        lock (_gate)
            return [.. _removed.Where(r => now - r.At <= RemovedWindow).Select(r => r.Id)];
    }

    private string ListPath => Path.Combine(stateDirectory, "torrents.json");
    private string MetainfoPath(string hash) => Path.Combine(stateDirectory, "torrents", hash + ".torrent");

    public IReadOnlyList<DaemonTorrent> All
    {
        get
        {
            lock (_gate)
                return [.. _torrents];
        }
    }

    /// <summary>Adds back every torrent of the saved list, in its queue order (the queue starts those not paused).</summary>
    public async Task LoadAsync()
    {
        if (!File.Exists(ListPath))
            return;
        JsonArray entries;
        try
        {
            entries = JsonNode.Parse(await File.ReadAllTextAsync(ListPath).ConfigureAwait(false)) as JsonArray ?? [];
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{ListPath}: {e.Message}", e);
        }
        foreach (var entry in entries.OfType<JsonObject>())
        {
            int id = (int?)entry["id"] ?? 0;
            string hash = (string?)entry["hash"] ?? "";
            string dir = (string?)entry["downloadDir"] ?? "";
            string? magnet = (string?)entry["magnet"];
            TorrentSession session;
            try
            {
                if (File.Exists(MetainfoPath(hash)))
                    session = client.Add(MetainfoPath(hash), dir);
                else if (magnet is not null)
                    session = client.Add(MagnetLink.Parse(magnet), dir);
                else
                    continue; // its metainfo is gone: nothing to bring back
            }
            catch (Exception e) when (e is TorrentFormatException or FormatException or IOException or InvalidOperationException)
            {
                // One damaged entry must not keep the daemon and the other torrents down.
                DaemonLog.TorrentNotRestored(logger, hash, e.Message);
                continue;
            }
            var torrent = new DaemonTorrent(id, session, magnet, (long?)entry["addedDate"] ?? 0)
            {
                MetainfoFile = File.Exists(MetainfoPath(hash)) ? MetainfoPath(hash) : "",
                Paused = (bool?)entry["paused"] ?? false,
                Finished = (bool?)entry["finished"] ?? false,
                StartNow = (bool?)entry["startNow"] ?? false,
                Done = (bool?)entry["done"] ?? false,
                SeedRatioMode = (SeedLimitMode)Math.Clamp((int?)entry["seedRatioMode"] ?? 0, 0, 2),
                SeedRatioLimit = (double?)entry["seedRatioLimit"] ?? 2.0,
                SeedIdleMode = (SeedLimitMode)Math.Clamp((int?)entry["seedIdleMode"] ?? 0, 0, 2),
                SeedIdleLimit = (int?)entry["seedIdleLimit"] ?? 30,
                UploadedBefore = (long?)entry["uploadedEver"] ?? 0,
                DownloadedBefore = (long?)entry["downloadedEver"] ?? 0,
                CorruptBefore = (long?)entry["corruptEver"] ?? 0,
                LastActivity = DateTimeOffset.FromUnixTimeSeconds((long?)entry["activityDate"] ?? 0),
                StartDate = (long?)entry["startDate"] ?? 0,
                DoneDate = (long?)entry["doneDate"] ?? 0,
                EditDate = (long?)entry["editDate"] ?? 0,
                TimeDownloading = TimeSpan.FromSeconds((double?)entry["secondsDownloading"] ?? 0),
                TimeSeeding = TimeSpan.FromSeconds((double?)entry["secondsSeeding"] ?? 0),
                DownloadLimit = (int?)entry["downloadLimit"] ?? 100,
                DownloadLimited = (bool?)entry["downloadLimited"] ?? false,
                UploadLimit = (int?)entry["uploadLimit"] ?? 100,
                UploadLimited = (bool?)entry["uploadLimited"] ?? false,
            };
            torrent.ApplyLimits();
            session.MaxConnections = (int?)entry["peerLimit"] ?? PeerLimitPerTorrent;
            if (entry["trackers"] is JsonArray trackers)
            {
                session.SetTrackers([.. trackers.OfType<JsonArray>().Select(tier => (IReadOnlyList<string>)[.. tier.Select(u => (string?)u).OfType<string>()])]);
                torrent.TrackersEdited = true;
            }
            if (entry["renames"] is JsonArray renames)
                await RestoreRenamesAsync(torrent, renames).ConfigureAwait(false);
            if (entry["priorities"] is JsonArray saved && session.Torrent is { } metainfo && saved.Count == metainfo.Files.Count)
                session.SetFilePriorities([.. saved.Select(p => (int?)p ?? 2)]);
            lock (_gate)
            {
                _torrents.Add(torrent);
                _nextId = Math.Max(_nextId, id + 1);
            }
        }
    }

    private async Task RestoreRenamesAsync(DaemonTorrent torrent, JsonArray renames)
    {
        foreach (var rename in renames.OfType<JsonArray>().Where(r => r.Count == 2))
        {
            string path = (string?)rename[0] ?? "", name = (string?)rename[1] ?? "";
            try
            {
                await torrent.Session.RenamePathAsync(path, name, onDisk: false).ConfigureAwait(false);
                torrent.Renames.Add((path, name));
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                DaemonLog.TorrentNotRestored(logger, torrent.HashString, $"rename of {path}: {e.Message}");
            }
        }
    }

    /// <summary>
    /// Adds a torrent from its metainfo or a magnet link; the existing one (and false) when it is
    /// already here. Throws <see cref="TorrentFormatException"/> or <see cref="FormatException"/> for bad input.
    /// </summary>
    public async Task<(DaemonTorrent Torrent, bool Added)> AddAsync(byte[]? metainfo, string? magnet, string downloadDir, bool paused,
        Func<int, int[]>? choosePriorities = null)
    {
        Torrent? parsed = metainfo is not null ? TorrentParser.Parse(metainfo) : null;
        var link = parsed is null ? MagnetLink.Parse(magnet ?? throw new FormatException("neither metainfo nor a magnet link")) : null;
        var hash = parsed?.InfoHashes.Primary ?? link!.InfoHashes.Primary;
        DaemonTorrent torrent;
        lock (_gate)
        {
            if (_torrents.FirstOrDefault(t => t.Session.InfoHash == hash || t.Session.Torrent?.InfoHashes.Primary == hash) is { } existing)
                return (existing, false);
            if (parsed is not null)
                AtomicFile.Write(MetainfoPath(hash.ToHex()), metainfo);
            // The files chosen at add time: at once for metainfo, when the metadata comes for a magnet.
            var options = new TorrentOptions
            {
                MaxConnections = PeerLimitPerTorrent,
                FilePriorities = parsed is not null ? choosePriorities?.Invoke(parsed.Files.Count) : null,
                SelectFiles = parsed is null && choosePriorities is not null ? t => choosePriorities(t.Files.Count) : null,
            };
            var session = parsed is not null ? client.Add(parsed, downloadDir, options) : client.Add(link!, downloadDir, options);
            torrent = new DaemonTorrent(_nextId++, session, parsed is null ? magnet : null, time.GetUtcNow().ToUnixTimeSeconds())
            {
                Paused = paused,
                MetainfoFile = parsed is not null ? MetainfoPath(hash.ToHex()) : "",
            };
            _torrents.Add(torrent);
        }
        Stats.FileAdded();
        Save();
        return (torrent, true); // the queue starts it unless paused
    }

    /// <summary>Marks a torrent to run: at its turn in the queue, or with <paramref name="now"/> at once whatever the queue says.</summary>
    public void Start(DaemonTorrent torrent, bool now)
    {
        torrent.Paused = false;
        torrent.Finished = false;
        torrent.Retry = true;
        torrent.StartNow = now;
        Save();
    }

    public async Task StopAsync(DaemonTorrent torrent)
    {
        torrent.Paused = true;
        torrent.StartNow = false;
        Save();
        await torrent.Session.PauseAsync().ConfigureAwait(false);
    }

    /// <summary>Moves torrents in the queue: "top", "up", "down" or "bottom" (queue-move-*), keeping their order among themselves.</summary>
    public void Move(IReadOnlyCollection<DaemonTorrent> moved, string where)
    {
        lock (_gate)
        {
            var chosen = moved.ToHashSet();
            switch (where)
            {
                case "top" or "bottom":
                    var first = _torrents.Where(t => chosen.Contains(t) == (where == "top")).ToList();
                    var rest = _torrents.Where(t => chosen.Contains(t) != (where == "top")).ToList();
                    _torrents.Clear();
                    _torrents.AddRange(first.Concat(rest));
                    break;
                case "up":
                    for (int i = 1; i < _torrents.Count; i++)
                    {
                        if (chosen.Contains(_torrents[i]) && !chosen.Contains(_torrents[i - 1]))
                            (_torrents[i - 1], _torrents[i]) = (_torrents[i], _torrents[i - 1]);
                    }
                    break;
                case "down":
                    for (int i = _torrents.Count - 2; i >= 0; i--)
                    {
                        if (chosen.Contains(_torrents[i]) && !chosen.Contains(_torrents[i + 1]))
                            (_torrents[i + 1], _torrents[i]) = (_torrents[i], _torrents[i + 1]);
                    }
                    break;
                default:
                    throw new ArgumentException($"no queue move '{where}'", nameof(where));
            }
        }
        Save();
    }

    /// <summary>Forgets a torrent (and with <paramref name="deleteData"/> deletes its files).</summary>
    public async Task RemoveAsync(DaemonTorrent torrent, bool deleteData)
    {
        lock (_gate)
        {
            _torrents.Remove(torrent);
            _removed.RemoveAll(r => time.GetUtcNow() - r.At > RemovedWindow);
            _removed.Add((torrent.Id, time.GetUtcNow()));
        }
        Save();
        await client.RemoveAsync(torrent.Session).ConfigureAwait(false);
        if (File.Exists(MetainfoPath(torrent.HashString)))
            File.Delete(MetainfoPath(torrent.HashString)); // a magnet's torrent may never have had one (its folder may not even exist)
        if (deleteData && torrent.Session.Torrent is { } metainfo)
            DeleteData(metainfo, torrent.Session.SaveDirectory);
    }

    /// <summary>Whether another torrent's files are in, or hold, the folder or file <paramref name="torrent"/> keeps its data in.</summary>
    public bool SharesData(DaemonTorrent torrent)
    {
        static string Root(DaemonTorrent t) => Path.GetFullPath(Path.Combine(t.Session.SaveDirectory, t.Session.Torrent?.Name ?? t.HashString));
        string mine = Root(torrent);
        static bool Within(string path, string folder) => path == folder || path.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal);
        return All.Where(t => t != torrent).Select(Root).Any(other => Within(other, mine) || Within(mine, other));
    }

    private static void DeleteData(Torrent torrent, string saveDirectory)
    {
        string root = Path.GetFullPath(Path.Combine(saveDirectory, torrent.Name));
        if (!root.StartsWith(Path.GetFullPath(saveDirectory) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            return; // never outside the folder (the name is validated, but deleting is no place to trust it)
        if (Directory.Exists(root))
            Directory.Delete(root, recursive: true);
        else if (File.Exists(root))
            File.Delete(root);
    }

    /// <summary>Writes the list (atomically: a kill in the middle leaves the old one).</summary>
    public void Save()
    {
        // One save at a time, snapshot and write together: a slower writer must not put an older list over a newer one.
        lock (_saveGate)
            SaveLocked();
    }

    private void SaveLocked()
    {
        var entries = new JsonArray();
        lock (_gate)
        {
            foreach (var t in _torrents)
            {
                var status = t.Session.GetStatus();
                entries.Add((JsonNode)new JsonObject
                {
                    ["id"] = t.Id,
                    ["hash"] = t.HashString,
                    ["magnet"] = t.Magnet,
                    ["downloadDir"] = t.Session.SaveDirectory,
                    ["paused"] = t.Paused,
                    ["finished"] = t.Finished,
                    ["startNow"] = t.StartNow,
                    ["done"] = t.Done,
                    ["seedRatioMode"] = (int)t.SeedRatioMode,
                    ["seedRatioLimit"] = t.SeedRatioLimit,
                    ["seedIdleMode"] = (int)t.SeedIdleMode,
                    ["seedIdleLimit"] = t.SeedIdleLimit,
                    ["peerLimit"] = t.Session.MaxConnections,
                    ["uploadedEver"] = t.UploadedEver(status),
                    ["downloadedEver"] = t.DownloadedEver(status),
                    ["corruptEver"] = t.CorruptEver(status),
                    ["activityDate"] = t.LastActivity.ToUnixTimeSeconds(),
                    ["startDate"] = t.StartDate,
                    ["doneDate"] = t.DoneDate,
                    ["editDate"] = t.EditDate,
                    ["secondsDownloading"] = t.TimeDownloading.TotalSeconds,
                    ["secondsSeeding"] = t.TimeSeeding.TotalSeconds,
                    ["addedDate"] = t.AddedDate,
                    ["downloadLimit"] = t.DownloadLimit,
                    ["downloadLimited"] = t.DownloadLimited,
                    ["uploadLimit"] = t.UploadLimit,
                    ["uploadLimited"] = t.UploadLimited,
                    ["trackers"] = t.TrackersEdited ? new JsonArray([.. t.Session.Trackers.Select(tier => (JsonNode)new JsonArray([.. tier.Select(u => (JsonNode)u)]))]) : null,
                    ["renames"] = t.Renames.Count == 0 ? null : new JsonArray([.. t.Renames.Select(r => (JsonNode)new JsonArray(r.Path, r.Name))]),
                    ["priorities"] = t.Session.Options.FilePriorities is { } p ? new JsonArray([.. p.Select(v => (JsonNode)v)]) : null,
                });
            }
        }
        AtomicFile.Write(ListPath, System.Text.Encoding.UTF8.GetBytes(entries.ToJsonString()));
        Stats.Save(client);
    }
}

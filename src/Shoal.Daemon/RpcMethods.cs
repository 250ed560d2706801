using System.Text.Json.Nodes;
using Shoal.Channels;
using Shoal.Metainfo;
using static Shoal.Daemon.RpcArgs;

namespace Shoal.Daemon;

/// <summary>The RPC methods: each takes the request's arguments and gives (error or null, result arguments).</summary>
internal sealed class RpcMethods(DaemonSettings settings, TorrentBook book, DaemonQueue queue, ShoalClient client, ChannelFollower channels, Action requestStop)
{
    private readonly ChannelRpc _channels = new(channels, book);

    public const string UnknownMethod = "method name not recognized";
    public const int MaxMetainfo = 16 << 20;

    /// <summary>Runs one method, taking its turn with the daemon's other changes (the queue's tick, the watch folder).</summary>
    public async Task<(string? Error, JsonObject Result)> CallAsync(string method, JsonObject args)
    {
        // A channel's versions are added and removed in their own turns, so its methods take none.
        if (ChannelRpc.Handles(method))
            return Ok(await _channels.CallAsync(method, args).ConfigureAwait(false));
        if (method == "torrent-add" && String(args, "filename") is { } link && ChannelLink.IsChannelLink(link))
            return Ok(new JsonObject { ["channel-followed"] = _channels.Describe(_channels.Follow(link, args)) });
        return await queue.ChangeAsync(() => CallInTurnAsync(method, args)).ConfigureAwait(false);
    }

    private async Task<(string? Error, JsonObject Result)> CallInTurnAsync(string method, JsonObject args)
    {
        switch (method)
        {
            case "session-get":
                return Ok(SessionGet());
            case "session-set":
                SessionSet(args);
                await queue.UpdateHeldAsync().ConfigureAwait(false);
                return Ok([]);
            case "session-stats":
                return Ok(SessionStats());
            case "session-close":
                requestStop();
                return Ok([]);
            case "torrent-add":
                var added = await TorrentAddAsync(args).ConfigureAwait(false);
                await queue.UpdateHeldAsync().ConfigureAwait(false);
                return Ok(added);
            case "torrent-get":
                return Ok(TorrentGet(args));
            case "torrent-start" or "torrent-start-now":
                foreach (var t in Select(args))
                    book.Start(t, now: method == "torrent-start-now");
                await queue.UpdateHeldAsync().ConfigureAwait(false);
                return Ok([]);
            case "torrent-set":
                CheckTorrentSet(args); // refused before anything changes, even with no torrent
                foreach (var t in Select(args))
                {
                    TorrentSet(t, args);
                    t.EditDate = client.Options.Time.GetUtcNow().ToUnixTimeSeconds();
                    if (String(args, "location") is { } newLocation)
                        await t.Session.MoveAsync(newLocation, moveData: false).ConfigureAwait(false); // the data is already there
                }
                book.Save();
                await queue.UpdateHeldAsync().ConfigureAwait(false);
                return Ok([]);
            case "torrent-set-location":
                string location = String(args, "location") ?? throw new RpcException("no location given");
                bool move = Bool(args, "move") ?? false;
                foreach (var t in Select(args))
                    await t.Session.MoveAsync(location, move).ConfigureAwait(false);
                book.Save();
                return Ok([]);
            case "port-test":
                return Ok(PortTest(args));
            case "torrent-rename-path":
                return Ok(await RenamePathAsync(args).ConfigureAwait(false));
            case "queue-move-top" or "queue-move-up" or "queue-move-down" or "queue-move-bottom":
                book.Move(Select(args), method["queue-move-".Length..]);
                await queue.UpdateHeldAsync().ConfigureAwait(false);
                return Ok([]);
            case "torrent-reannounce":
                foreach (var t in Select(args))
                    t.Session.Reannounce();
                return Ok([]);
            case "torrent-verify":
                foreach (var t in Select(args))
                    await t.Session.RecheckAsync().ConfigureAwait(false);
                return Ok([]);
            case "torrent-stop":
                foreach (var t in Select(args))
                    await book.StopAsync(t).ConfigureAwait(false);
                await queue.UpdateHeldAsync().ConfigureAwait(false); // a freed slot goes to the next in line
                return Ok([]);
            case "torrent-remove":
                bool delete = Arg(args, "delete-local-data") is JsonValue d && d.TryGetValue(out bool del) && del;
                foreach (var t in Select(args))
                    await book.RemoveAsync(t, delete).ConfigureAwait(false);
                await queue.UpdateHeldAsync().ConfigureAwait(false);
                return Ok([]);
            case "free-space":
                string path = Arg(args, "path")?.GetValue<string>() ?? settings.DownloadDir;
                var drive = new DriveInfo(Path.GetFullPath(path));
                return Ok(new JsonObject { ["path"] = path, ["size-bytes"] = drive.AvailableFreeSpace, ["total_size"] = drive.TotalSize });
            default:
                return (UnknownMethod, []);
        }
    }

    private static (string?, JsonObject) Ok(JsonObject result) => (null, result);

    private JsonObject SessionGet()
    {
        var result = new JsonObject
        {
            ["rpc-version"] = RpcServer.RpcVersion,
            ["rpc-version-minimum"] = 14,
            ["rpc-version-semver"] = "5.3.0",
            ["version"] = RpcServer.Version,
            ["session-id"] = "",
            ["peer-port"] = client.ListenPort,
            ["config-dir"] = Path.GetDirectoryName(settings.Path),
            ["port-forwarding-enabled"] = false,
            ["rename-partial-files"] = false,
            ["incomplete-dir-enabled"] = false,
            ["incomplete-dir"] = settings.DownloadDir,
            ["trash-original-torrent-files"] = false,
            ["blocklist-enabled"] = false,
            ["blocklist-size"] = 0,
            ["blocklist-url"] = "",
            ["script-torrent-done-enabled"] = false,
            ["script-torrent-done-filename"] = "",
            ["units"] = new JsonObject
            {
                ["speed-units"] = new JsonArray("kB/s", "MB/s", "GB/s", "TB/s"),
                ["speed-bytes"] = 1000,
                ["size-units"] = new JsonArray("kB", "MB", "GB", "TB"),
                ["size-bytes"] = 1000,
                ["memory-units"] = new JsonArray("KiB", "MiB", "GiB", "TiB"),
                ["memory-bytes"] = 1024,
            },
        };
        SessionFields.Fill(result, settings);
        if (client.ExternalAddress is { } external)
            result["external-address"] = external.ToString(); // Shoal's: as peers and DHT nodes agree they see us (absent until they do)
        return result;
    }

    private void SessionSet(JsonObject args)
    {
        SessionFields.Apply(args, settings, Arg);
        (client.DownloadLimit.Rate, client.UploadLimit.Rate) = settings.EffectiveLimits();
        client.Encryption = settings.EncryptionPolicy; // new connections follow it
        client.MaxConnections = settings.PeerLimitGlobal;
        book.PeerLimitPerTorrent = settings.PeerLimitPerTorrent; // for torrents added from now on
        settings.Save(); // what changes over RPC is kept
    }

    /// <summary>
    /// Whether peers can reach our port, from what we know without asking anyone outside: open
    /// when a peer from another host has reached us with a handshake (over the asked IP version).
    /// </summary>
    private JsonObject PortTest(JsonObject args)
    {
        string? protocol = String(args, "ip_protocol");
        if (protocol is not (null or "ipv4" or "ipv6"))
            throw new RpcException("ip_protocol must be ipv4 or ipv6");
        var (v4, v6) = client.PeersReachedUs;
        long reached = protocol switch { "ipv4" => v4, "ipv6" => v6, _ => v4 + v6 };
        var result = new JsonObject { ["port-is-open"] = client.ListenPort > 0 && reached > 0 };
        if (protocol is not null)
            result["ip_protocol"] = protocol;
        return result;
    }

    /// <summary>Renames a file or folder of exactly one torrent; the answer names the old path, the new name and the torrent.</summary>
    private async Task<JsonObject> RenamePathAsync(JsonObject args)
    {
        var chosen = Select(args);
        if (chosen.Count != 1 || Arg(args, "ids") is null)
            throw new RpcException("torrent-rename-path needs exactly one torrent");
        var t = chosen[0];
        string path = String(args, "path") ?? throw new RpcException("no path given");
        string name = String(args, "name") ?? throw new RpcException("no name given");
        try
        {
            await t.Session.RenamePathAsync(path, name).ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            throw new RpcException(e.Message);
        }
        t.Renames.Add((path, name));
        book.Save();
        return new JsonObject { ["path"] = path, ["name"] = name, ["id"] = t.Id };
    }

    /// <summary>Refuses a torrent-set whose values are wrong, before any torrent changes.</summary>
    private static void CheckTorrentSet(JsonObject args)
    {
        _ = (Rate(args, "downloadLimit"), Rate(args, "uploadLimit"), Mode(args, "seedRatioMode"), Mode(args, "seedIdleMode"));
        _ = (Ratio(args, "seedRatioLimit"), Minutes(args, "seedIdleLimit"), PeerLimit(args, "peer-limit"));
    }

    /// <summary>Limits (kB/s) and the wanted files and their priorities of one torrent.</summary>
    private static void TorrentSet(DaemonTorrent t, JsonObject args)
    {
        if (Rate(args, "downloadLimit") is int down)
            t.DownloadLimit = down;
        if (Bool(args, "downloadLimited") is bool downOn)
            t.DownloadLimited = downOn;
        if (Rate(args, "uploadLimit") is int up)
            t.UploadLimit = up;
        if (Bool(args, "uploadLimited") is bool upOn)
            t.UploadLimited = upOn;
        t.ApplyLimits();
        if (Mode(args, "seedRatioMode") is { } ratioMode)
            t.SeedRatioMode = ratioMode;
        if (Ratio(args, "seedRatioLimit") is double ratio)
            t.SeedRatioLimit = ratio;
        if (Mode(args, "seedIdleMode") is { } idleMode)
            t.SeedIdleMode = idleMode;
        if (Minutes(args, "seedIdleLimit") is int idle)
            t.SeedIdleLimit = idle;
        if (PeerLimit(args, "peer-limit") is int peers)
            t.Session.MaxConnections = peers;
        if (TrackerFields.Edit(t.Session, args, Arg))
            t.TrackersEdited = true;
        if (t.Session.Torrent is null)
            return;
        var priorities = ChooseFiles(t.FilePriorities(), args);
        if (!priorities.SequenceEqual(t.FilePriorities()))
            t.Session.SetFilePriorities(priorities);
    }

    private JsonObject SessionStats()
    {
        var all = book.All;
        var statuses = all.Select(t => (t, s: t.Session.GetStatus())).ToList();
        return new JsonObject
        {
            ["activeTorrentCount"] = all.Count(t => !t.Paused),
            ["pausedTorrentCount"] = all.Count(t => t.Paused),
            ["torrentCount"] = all.Count,
            ["downloadSpeed"] = statuses.Sum(x => x.s.DownRate),
            ["uploadSpeed"] = statuses.Sum(x => x.s.UpRate),
            ["cumulative-stats"] = book.Stats.Cumulative(client),
            ["current-stats"] = book.Stats.Current(client),
        };
    }

    private async Task<JsonObject> TorrentAddAsync(JsonObject args)
    {
        byte[]? metainfo = null;
        string? magnet = null;
        if (Arg(args, "metainfo") is JsonValue encoded && encoded.TryGetValue(out string? base64))
        {
            try
            {
                metainfo = Convert.FromBase64String(base64);
            }
            catch (FormatException)
            {
                throw new RpcException("invalid or corrupt torrent file");
            }
        }
        else if (Arg(args, "filename") is JsonValue named && named.TryGetValue(out string? filename))
        {
            if (MagnetLink.IsMagnet(filename))
                magnet = filename;
            else
                metainfo = await ReadMetainfoAsync(filename, String(args, "cookies")).ConfigureAwait(false);
        }
        else
        {
            throw new RpcException("no filename or metainfo specified");
        }
        if (metainfo is { Length: > MaxMetainfo })
            throw new RpcException("invalid or corrupt torrent file");
        string dir = Arg(args, "download-dir") is JsonValue d && d.TryGetValue(out string? given) ? Path.GetFullPath(given) : settings.DownloadDir;
        bool paused = Arg(args, "paused") is JsonValue p && p.TryGetValue(out bool isPaused) ? isPaused : !settings.StartAddedTorrents;
        DaemonTorrent torrent;
        bool added;
        try
        {
            Directory.CreateDirectory(dir);
            (torrent, added) = await book.AddAsync(metainfo, magnet, dir, paused, AddedFileChoices(args)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TorrentFormatException or FormatException or Bencode.BencodeException)
        {
            throw new RpcException("invalid or corrupt torrent file");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RpcException(e.Message);
        }
        var summary = new JsonObject { ["id"] = torrent.Id, ["name"] = torrent.Session.Name, ["hashString"] = torrent.HashString };
        return new JsonObject { [added ? "torrent-added" : "torrent-duplicate"] = summary };
    }

    private static async Task<byte[]> ReadMetainfoAsync(string filename, string? cookies)
    {
        if (Uri.TryCreate(filename, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
            return await MetainfoDownload.GetAsync(uri, cookies).ConfigureAwait(false);
        try
        {
            var info = new FileInfo(filename);
            if (!info.Exists)
                throw new RpcException($"no such file: {filename}");
            if (info.Length > MaxMetainfo)
                throw new RpcException("invalid or corrupt torrent file");
            return await File.ReadAllBytesAsync(filename).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RpcException(e.Message);
        }
    }

    private JsonObject TorrentGet(JsonObject args)
    {
        var fields = (Arg(args, "fields") as JsonArray ?? []).OfType<JsonValue>()
            .Select(f => f.TryGetValue(out string? name) ? name : null).OfType<string>().ToList();
        if (fields.Count == 0)
            throw new RpcException("no fields specified");
        bool table = Arg(args, "format") is JsonValue f && f.TryGetValue(out string? format) && format == "table";
        var positions = book.All.Select((t, i) => (t, i)).ToDictionary(x => x.t, x => x.i);
        var now = client.Options.Time.GetUtcNow();
        var rows = new JsonArray();
        if (table)
            rows.Add((JsonNode)new JsonArray([.. fields.Select(n => (JsonNode)n)]));
        foreach (var t in Select(args))
        {
            var status = t.Session.GetStatus();
            var peers = new Lazy<IReadOnlyList<PeerInfo>>(t.Session.GetPeers); // taken once, whatever fields ask for them
            int position = positions.GetValueOrDefault(t);
            if (table)
            {
                rows.Add((JsonNode)new JsonArray([.. fields.Select(n => TorrentFields.Value(n, t, status, peers, position, now))]));
                continue;
            }
            var row = new JsonObject();
            foreach (string name in fields)
            {
                if (TorrentFields.Value(name, t, status, peers, position, now) is { } value)
                    row[name] = value;
            }
            rows.Add((JsonNode)row);
        }
        var result = new JsonObject { ["torrents"] = rows };
        if (Arg(args, "ids") is JsonValue ids && ids.TryGetValue(out string? word) && word == "recently-active")
            result["removed"] = new JsonArray([.. book.RecentlyRemoved().Select(id => (JsonNode)id)]); // so polling clients drop them
        return result;
    }

    /// <summary>The torrents an 'ids' argument names: all when absent; a number, a hash, a list of either, or "recently-active".</summary>
    private List<DaemonTorrent> Select(JsonObject args)
    {
        var all = book.All;
        var ids = Arg(args, "ids");
        if (ids is null || (ids is JsonValue word && word.TryGetValue(out string? text) && text == "recently-active"))
            return [.. all];
        var wanted = ids is JsonArray list ? [.. list] : new List<JsonNode?> { ids };
        var chosen = new List<DaemonTorrent>();
        foreach (var id in wanted.OfType<JsonValue>())
        {
            DaemonTorrent? match = id.TryGetValue(out int number) ? all.FirstOrDefault(t => t.Id == number)
                : id.TryGetValue(out string? hash) ? all.FirstOrDefault(t => t.HashString.Equals(hash, StringComparison.OrdinalIgnoreCase)
                    || t.Session.Torrent?.InfoHashes.V2?.ToHex().Equals(hash, StringComparison.OrdinalIgnoreCase) == true)
                : null;
            if (match is not null && !chosen.Contains(match))
                chosen.Add(match);
        }
        return chosen;
    }
}

using System.Text.Json.Nodes;
using Shoal.Metainfo;

namespace Shoal.Daemon;

/// <summary>The RPC methods: each takes the request's arguments and gives (error or null, result arguments).</summary>
internal sealed class RpcMethods(DaemonSettings settings, TorrentBook book, ShoalClient client, Action requestStop)
{
    public const string UnknownMethod = "method name not recognized";
    public const int MaxMetainfo = 16 << 20;

    public async Task<(string? Error, JsonObject Result)> CallAsync(string method, JsonObject args)
    {
        switch (method)
        {
            case "session-get":
                return Ok(SessionGet());
            case "session-set":
                SessionSet(args);
                return Ok([]);
            case "session-stats":
                return Ok(SessionStats());
            case "session-close":
                requestStop();
                return Ok([]);
            case "torrent-add":
                return Ok(await TorrentAddAsync(args).ConfigureAwait(false));
            case "torrent-get":
                return Ok(TorrentGet(args));
            case "torrent-start" or "torrent-start-now":
                foreach (var t in Select(args))
                    await book.StartAsync(t).ConfigureAwait(false);
                return Ok([]);
            case "torrent-stop":
                foreach (var t in Select(args))
                    await book.StopAsync(t).ConfigureAwait(false);
                return Ok([]);
            case "torrent-remove":
                bool delete = Arg(args, "delete-local-data") is JsonValue d && d.TryGetValue(out bool del) && del;
                foreach (var t in Select(args))
                    await book.RemoveAsync(t, delete).ConfigureAwait(false);
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

    /// <summary>An argument by its name in any spelling (download-dir, download_dir, downloadDir).</summary>
    private static JsonNode? Arg(JsonObject args, string name)
    {
        string wanted = TorrentFields.Canonical(name);
        return args.FirstOrDefault(a => TorrentFields.Canonical(a.Key) == wanted).Value;
    }

    private JsonObject SessionGet() => new()
    {
        ["rpc-version"] = RpcServer.RpcVersion,
        ["rpc-version-minimum"] = 14,
        ["rpc-version-semver"] = "5.3.0",
        ["version"] = RpcServer.Version,
        ["download-dir"] = settings.DownloadDir,
        ["peer-port"] = client.ListenPort,
        ["start-added-torrents"] = settings.StartAddedTorrents,
        ["dht-enabled"] = settings.DhtEnabled,
        ["lpd-enabled"] = settings.LpdEnabled,
        ["pex-enabled"] = settings.PexEnabled,
        ["utp-enabled"] = false,
        ["encryption"] = "tolerated",
        ["config-dir"] = Path.GetDirectoryName(settings.Path),
        ["speed-limit-down"] = 0,
        ["speed-limit-down-enabled"] = false,
        ["speed-limit-up"] = 0,
        ["speed-limit-up-enabled"] = false,
        ["alt-speed-enabled"] = false,
        ["seedRatioLimit"] = 2.0,
        ["seedRatioLimited"] = false,
        ["download-queue-enabled"] = false,
        ["download-queue-size"] = 5,
        ["seed-queue-enabled"] = false,
        ["seed-queue-size"] = 10,
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

    private void SessionSet(JsonObject args)
    {
        if (Arg(args, "download-dir") is JsonValue dir && dir.TryGetValue(out string? path))
            settings.DownloadDir = Path.GetFullPath(path);
        if (Arg(args, "start-added-torrents") is JsonValue start && start.TryGetValue(out bool starts))
            settings.StartAddedTorrents = starts;
        settings.Save();
    }

    private JsonObject SessionStats()
    {
        var all = book.All;
        var statuses = all.Select(t => (t, s: t.Session.GetStatus())).ToList();
        var totals = new JsonObject
        {
            ["uploadedBytes"] = statuses.Sum(x => x.s.Uploaded),
            ["downloadedBytes"] = statuses.Sum(x => x.s.Downloaded),
            ["filesAdded"] = all.Count,
            ["sessionCount"] = 1,
            ["secondsActive"] = 0,
        };
        return new JsonObject
        {
            ["activeTorrentCount"] = all.Count(t => !t.Paused),
            ["pausedTorrentCount"] = all.Count(t => t.Paused),
            ["torrentCount"] = all.Count,
            ["downloadSpeed"] = statuses.Sum(x => x.s.DownRate),
            ["uploadSpeed"] = statuses.Sum(x => x.s.UpRate),
            ["cumulative-stats"] = totals,
            ["current-stats"] = totals.DeepClone(),
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
                metainfo = await ReadMetainfoAsync(filename).ConfigureAwait(false);
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
            (torrent, added) = await book.AddAsync(metainfo, magnet, dir, paused).ConfigureAwait(false);
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

    private async Task<byte[]> ReadMetainfoAsync(string filename)
    {
        if (Uri.TryCreate(filename, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
            throw new RpcException("adding by http(s) URL is not supported yet");
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
        var all = book.All;
        var rows = new JsonArray();
        if (table)
            rows.Add(new JsonArray([.. fields.Select(n => (JsonNode)n)]));
        foreach (var t in Select(args))
        {
            var status = t.Session.GetStatus();
            int position = all.ToList().IndexOf(t);
            if (table)
            {
                rows.Add(new JsonArray([.. fields.Select(n => TorrentFields.Value(n, t, status, position))]));
                continue;
            }
            var row = new JsonObject();
            foreach (string name in fields)
            {
                if (TorrentFields.Value(name, t, status, position) is { } value)
                    row[name] = value;
            }
            rows.Add(row);
        }
        var result = new JsonObject { ["torrents"] = rows };
        if (Arg(args, "ids") is JsonValue ids && ids.TryGetValue(out string? word) && word == "recently-active")
            result["removed"] = new JsonArray();
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

using System.Text.Json.Nodes;

namespace Shoal.Daemon;

/// <summary>
/// The values of Transmission's torrent-get fields for one torrent, faithful to Transmission's
/// meaning: status 0-6, eta -1 (not available) or -2 (unknown), sizes in bytes, dates in unix
/// seconds, rates in bytes per second. A field is looked up by its name in any of the RPC
/// spellings (camelCase, kebab-case, snake_case); an unknown field gives null.
/// </summary>
public static class TorrentFields
{
    public const int StatusStopped = 0;
    public const int StatusChecking = 2;
    public const int StatusDownloadWait = 3;
    public const int StatusDownloading = 4;
    public const int StatusSeedWait = 5;
    public const int StatusSeeding = 6;

    /// <summary>The spelling-free key of a field name: "peer-limit", "peer_limit" and "peerLimit" are one.</summary>
    public static string Canonical(string name) => name.Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();

    /// <summary>
    /// One field of torrent <paramref name="t"/>; <paramref name="s"/> and <paramref name="peers"/>
    /// are taken once per torrent by the caller, however many fields ask for them.
    /// </summary>
    public static JsonNode? Value(string field, DaemonTorrent t, TorrentStatus s, Lazy<IReadOnlyList<PeerInfo>> peers, int queuePosition, DateTimeOffset now)
    {
        var session = t.Session;
        var torrent = session.Torrent;
        int From(PeerOrigin origin) => peers.Value.Count(p => p.Origin == origin);
        return Canonical(field) switch
        {
            "id" => t.Id,
            "name" => s.Name,
            "hashstring" => t.HashString,
            "status" => Status(t, s),
            "percentdone" => s.WantedBytes > 0 ? Math.Round((double)s.VerifiedBytes / s.WantedBytes, 4) : (torrent is null ? 0.0 : 1.0),
            "percentcomplete" => s.TotalBytes > 0 ? Math.Round((double)s.VerifiedBytes / s.TotalBytes, 4) : 0.0,
            "metadatapercentcomplete" => Math.Round(s.MetadataProgress, 4),
            "ratedownload" => s.DownRate,
            "rateupload" => s.UpRate,
            "eta" => s.State == TorrentState.Seeding ? -1 : s.Eta is { } eta ? (long)eta.TotalSeconds : -2,
            "sizewhendone" => s.WantedBytes,
            "leftuntildone" => Math.Max(0, s.WantedBytes - s.VerifiedBytes),
            "totalsize" => s.TotalBytes,
            "havevalid" => s.VerifiedBytes,
            "haveunchecked" => s.UncheckedBytes,
            "desiredavailable" => s.AvailableBytes ?? 0, // of what we lack, what connected peers have (none while stopped)
            "uploadedever" => t.UploadedEver(s),
            "downloadedever" => t.DownloadedEver(s),
            "corruptever" => t.CorruptEver(s),
            "uploadratio" => UploadRatio(t.UploadedEver(s), t.DownloadedEver(s)),
            "error" => s.Error is null ? 0 : 3, // 3: a local error
            "errorstring" => s.Error ?? "",
            "isfinished" => t.Finished,
            "isstalled" => t.Stalled,
            "activitydate" => t.LastActivity.ToUnixTimeSeconds(),
            "isprivate" => torrent?.IsPrivate ?? false,
            "peersconnected" => s.Peers,
            "peersgettingfromus" => peers.Value.Count(p => !p.AmChoking && p.PeerInterested),
            "peerssendingtous" => peers.Value.Count(p => p.DownRate > 0),
            "downloaddir" => session.SaveDirectory,
            "addeddate" => t.AddedDate,
            "magnetlink" => torrent?.ToMagnetLink().ToString() ?? t.Magnet,
            "piececount" => torrent?.PieceCount ?? 0,
            "piecesize" => torrent?.PieceLength ?? 0,
            "queueposition" => queuePosition,
            "recheckprogress" => s.CheckProgress is { } check ? Math.Round(check, 4) : 0.0,
            "comment" => torrent?.Comment ?? "",
            "creator" => torrent?.CreatedBy ?? "",
            "datecreated" => torrent?.CreationDate?.ToUnixTimeSeconds() ?? 0,
            "labels" => new JsonArray(),
            "webseeds" => new JsonArray([.. (torrent?.WebSeeds ?? []).Select(w => (JsonNode)w)]),
            "files" => Files(torrent, session),
            "filestats" => FileStats(t),
            "priorities" => new JsonArray([.. t.FilePriorities().Select(p => (JsonNode)TransmissionPriority(p))]),
            "wanted" => new JsonArray([.. t.FilePriorities().Select(p => (JsonNode)(p > 0 ? 1 : 0))]),
            "downloadlimit" => t.DownloadLimit,
            "downloadlimited" => t.DownloadLimited,
            "uploadlimit" => t.UploadLimit,
            "uploadlimited" => t.UploadLimited,
            "honorssessionlimits" => true,
            "bandwidthpriority" => 0,
            "peerlimit" => session.Options.MaxConnections,
            "seedratiomode" => (int)t.SeedRatioMode,
            "seedratiolimit" => t.SeedRatioLimit,
            "seedidlemode" => (int)t.SeedIdleMode,
            "seedidlelimit" => t.SeedIdleLimit,
            "trackers" => TrackerFields.Trackers(session),
            "trackerstats" => TrackerFields.Stats(session, now),
            "trackerlist" => TrackerFields.TrackerList(session),
            "availability" => new JsonArray([.. session.GetPieceAvailability().Select(a => (JsonNode)a)]),
            "startdate" => t.StartDate,
            "donedate" => t.DoneDate,
            "editdate" => t.EditDate,
            "etaidle" => EtaIdle(t, now),
            "manualannouncetime" => -1, // deprecated by Transmission: "it never worked"
            "maxconnectedpeers" => session.Options.MaxConnections,
            "secondsdownloading" => (long)t.TimeDownloading.TotalSeconds,
            "secondsseeding" => (long)t.TimeSeeding.TotalSeconds,
            "torrentfile" => t.MetainfoFile,
            "webseedssendingtous" => peers.Value.Count(p => p.IsWebSeed && p.DownRate > 0),
            "webseedsex" => new JsonArray([.. peers.Value.Where(p => p.IsWebSeed).Select(p => (JsonNode)new JsonObject
            {
                ["url"] = p.WebSeedUrl, ["isDownloading"] = p.DownRate > 0, ["downloadBytesPerSecond"] = p.DownRate,
            })]),
            "filecount" => torrent?.Files.Count ?? 0,
            "group" => "",
            "primarymimetype" => "application/octet-stream",
            "sequentialdownload" => session.Sequential,
            "sequentialdownloadfrompiece" => 0,
            "pieces" => Convert.ToBase64String(session.VerifiedPieces.Bytes),
            "peers" => new JsonArray([.. peers.Value.Where(p => !p.IsWebSeed).Select(Peer)]), // web seeds are listed apart, as in Transmission
            "peersfrom" => new JsonObject
            {
                ["fromCache"] = From(PeerOrigin.Cache), ["fromDht"] = From(PeerOrigin.Dht), ["fromIncoming"] = From(PeerOrigin.Incoming),
                ["fromLpd"] = From(PeerOrigin.Lsd), ["fromLtep"] = From(PeerOrigin.Ltep), ["fromPex"] = From(PeerOrigin.Pex),
                ["fromTracker"] = From(PeerOrigin.Tracker),
            },
            _ => null,
        };
    }

    /// <summary>Seconds until its own idle limit stops seeding, or -1 (Transmission's etaIdle; the global limit is not known here).</summary>
    private static long EtaIdle(DaemonTorrent t, DateTimeOffset now) =>
        t.SeedIdleMode == SeedLimitMode.Single && t.Session.State == TorrentState.Seeding
            ? Math.Max(0, (long)(t.LastActivity + TimeSpan.FromMinutes(t.SeedIdleLimit) - now).TotalSeconds) : -1;

    /// <summary>Transmission's ratio: -1 when nothing moved either way, -2 (infinite) when uploaded without downloading.</summary>
    private static double UploadRatio(long up, long down) => down > 0 ? Math.Round((double)up / down, 4) : up > 0 ? -2.0 : -1.0;

    /// <summary>
    /// Transmission's status: 0 stopped, 2 checking, 3 waiting for a download slot, 4 downloading
    /// (a magnet fetching its metadata too), 5 waiting for a seed slot, 6 seeding.
    /// </summary>
    private static int Status(DaemonTorrent t, TorrentStatus s) => t.Queued ? (t.Done ? StatusSeedWait : StatusDownloadWait) : s.State switch
    {
        TorrentState.Checking => StatusChecking,
        TorrentState.Downloading or TorrentState.AwaitingMetadata => StatusDownloading,
        TorrentState.Seeding => StatusSeeding,
        _ => StatusStopped,
    };

    /// <summary>One connected peer as Transmission describes it, with its flag letters.</summary>
    private static JsonNode Peer(PeerInfo p) => new JsonObject
    {
        ["address"] = p.EndPoint.Address.ToString(),
        ["port"] = p.EndPoint.Port,
        ["clientName"] = p.Client,
        ["clientIsChoked"] = p.PeerChoking,
        ["clientIsInterested"] = p.AmInterested,
        ["peerIsChoked"] = p.AmChoking,
        ["peerIsInterested"] = p.PeerInterested,
        ["flagStr"] = FlagString(p),
        ["isDownloadingFrom"] = p.AmInterested && !p.PeerChoking,
        ["isUploadingTo"] = p.PeerInterested && !p.AmChoking,
        ["isEncrypted"] = p.Encrypted,
        ["isIncoming"] = !p.Outgoing,
        ["isUTP"] = p.Transport.IsUtp,
        ["progress"] = Math.Round(p.Progress, 4),
        ["rateToClient"] = p.DownRate,
        ["rateToPeer"] = p.UpRate,
    };

    /// <summary>
    /// Transmission's peer flags: D downloading from it (d: we want to but it chokes us), U
    /// uploading to it (u: it wants to but we choke it), K it unchoked us though we want nothing,
    /// ? we unchoked it though it wants nothing, E the connection is encrypted, I it connected to us,
    /// T it is a uTP connection.
    /// </summary>
    public static string FlagString(PeerInfo p)
    {
        var flags = new System.Text.StringBuilder();
        if (p.AmInterested)
            flags.Append(p.PeerChoking ? 'd' : 'D');
        else if (!p.PeerChoking)
            flags.Append('K');
        if (p.PeerInterested)
            flags.Append(p.AmChoking ? 'u' : 'U');
        else if (!p.AmChoking)
            flags.Append('?');
        if (p.Encrypted)
            flags.Append('E');
        if (!p.Outgoing)
            flags.Append('I');
        if (p.Transport.IsUtp)
            flags.Append('T');
        return flags.ToString();
    }

    /// <summary>Transmission's file priority (-1 low, 0 normal, 1 high) from the engine's (see <see cref="DaemonTorrent.FilePriorities"/>).</summary>
    public static int TransmissionPriority(int engine) => engine <= 0 ? 0 : Math.Clamp(engine - 2, -1, 1);

    private static JsonArray Files(Metainfo.Torrent? torrent, TorrentSession session)
    {
        var files = new JsonArray();
        if (torrent is null)
            return files;
        var have = session.GetFileProgress();
        for (int i = 0; i < torrent.Files.Count; i++)
        {
            var file = torrent.Files[i];
            int first = (int)(file.Offset / torrent.PieceLength);
            int last = file.Length == 0 ? first : (int)((file.EndOffset - 1) / torrent.PieceLength);
            files.Add((JsonNode)new JsonObject
            {
                ["name"] = file.Path, ["length"] = file.Length, ["bytesCompleted"] = have[i], ["beginPiece"] = first, ["endPiece"] = last + 1,
            });
        }
        return files;
    }

    private static JsonArray FileStats(DaemonTorrent t)
    {
        var stats = new JsonArray();
        if (t.Session.Torrent is not { } torrent)
            return stats;
        var have = t.Session.GetFileProgress();
        var priorities = t.FilePriorities();
        for (int i = 0; i < torrent.Files.Count; i++)
            stats.Add((JsonNode)new JsonObject { ["bytesCompleted"] = have[i], ["wanted"] = priorities[i] > 0, ["priority"] = TransmissionPriority(priorities[i]) });
        return stats;
    }
}

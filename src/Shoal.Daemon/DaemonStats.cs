using System.Text.Json;
using System.Text.Json.Nodes;

namespace Shoal.Daemon;

/// <summary>
/// Transmission's session statistics, measured: bytes the engine moved, torrents added and
/// seconds up in this run ('current-stats'), and the same over every run ('cumulative-stats',
/// kept in stats.json in the state folder and written with the torrent list). A stats.json that
/// is unreadable, too big or not numbers starts the totals again from zero; it never stops the daemon.
/// </summary>
public sealed class DaemonStats
{
    private const int MaxBytes = 64 * 1024;
    private readonly string _path;
    private readonly TimeProvider _time;
    private readonly long _began;
    private readonly (long Uploaded, long Downloaded, long FilesAdded, long Sessions, long Seconds) _before;
    private long _filesAdded;

    public DaemonStats(string path, TimeProvider time)
    {
        _path = path;
        _time = time;
        _began = time.GetTimestamp();
        _before = Load(path);
    }

    /// <summary>A torrent was added (not one already here).</summary>
    public void FileAdded() => Interlocked.Increment(ref _filesAdded);

    public long SecondsActive => (long)_time.GetElapsedTime(_began).TotalSeconds;

    /// <summary>This run: what the engine moved since the daemon started.</summary>
    public JsonObject Current(ShoalClient client) => Stats(client.TotalUploaded, client.TotalDownloaded,
        Interlocked.Read(ref _filesAdded), 1, SecondsActive);

    /// <summary>Every run: the saved totals plus this run's.</summary>
    public JsonObject Cumulative(ShoalClient client) => Stats(_before.Uploaded + client.TotalUploaded, _before.Downloaded + client.TotalDownloaded,
        _before.FilesAdded + Interlocked.Read(ref _filesAdded), _before.Sessions + 1, _before.Seconds + SecondsActive);

    private static JsonObject Stats(long uploaded, long downloaded, long filesAdded, long sessions, long seconds) => new()
    {
        ["uploadedBytes"] = uploaded,
        ["downloadedBytes"] = downloaded,
        ["filesAdded"] = filesAdded,
        ["sessionCount"] = sessions,
        ["secondsActive"] = seconds,
    };

    /// <summary>Writes the cumulative totals (atomically).</summary>
    public void Save(ShoalClient client) =>
        Storage.AtomicFile.Write(_path, System.Text.Encoding.UTF8.GetBytes(Cumulative(client).ToJsonString()));

    private static (long, long, long, long, long) Load(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists || info.Length > MaxBytes)
                return default;
            if (JsonNode.Parse(File.ReadAllText(path)) is not JsonObject o)
                return default;
            long Read(string key) => o[key] is JsonValue v && v.TryGetValue(out long n) && n >= 0 ? n : 0;
            return (Read("uploadedBytes"), Read("downloadedBytes"), Read("filesAdded"), Read("sessionCount"), Read("secondsActive"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return default;
        }
    }
}

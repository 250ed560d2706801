using Microsoft.Extensions.Logging;

namespace Shoal.Tracker;

/// <summary>The tracker's allow-list file: 40-hex info-hashes, one a line, '#' comments; re-read when it changes.</summary>
internal static class AllowListFile
{
    /// <summary>
    /// The list as of now: <paramref name="current"/> when the file did not change since
    /// <paramref name="readAt"/>, else read again (a bad line is skipped and counted). A file
    /// that cannot be read keeps the current list, or serves nothing when there is none yet.
    /// </summary>
    public static (HashSet<InfoHashKey> List, DateTime ReadAt) Reload(string path, HashSet<InfoHashKey>? current, DateTime readAt, ILogger? log)
    {
        try
        {
            var time = File.GetLastWriteTimeUtc(path);
            if (time == readAt && current is not null)
                return (current, readAt);
            var set = new HashSet<InfoHashKey>();
            int bad = 0;
            foreach (var line in File.ReadLines(path))
            {
                if (string.IsNullOrWhiteSpace(line) || line.TrimStart().StartsWith('#'))
                    continue;
                if (InfoHashKey.TryParseHex(line, out var key))
                    set.Add(key);
                else
                    bad++;
            }
            log?.LogInformation("allow-list {Path}: {Count} torrents, {Bad} bad lines skipped", path, set.Count, bad);
            return (set, time);
        }
        catch (IOException e)
        {
            log?.LogWarning("cannot read allow-list {Path}: {Message}", path, e.Message);
            return (current ?? [], readAt);
        }
    }
}

namespace Shoal.Metainfo;

/// <summary>Renaming a file or folder of a torrent on disk only: the info dictionary (and so the info-hash) stays as it is.</summary>
internal static class TorrentRename
{
    /// <summary>
    /// The torrent with the file or folder at <paramref name="path"/> ('/'-separated, the torrent's
    /// name first, as Transmission's torrent-rename-path gives it) called <paramref name="newName"/>.
    /// Throws <see cref="ArgumentException"/> for a path that names nothing, a bad name, or a clash.
    /// </summary>
    public static Torrent Renamed(this Torrent torrent, string path, string newName)
    {
        ArgumentNullException.ThrowIfNull(torrent);
        if (string.IsNullOrEmpty(newName) || newName is "." or ".." || newName.IndexOfAny(['/', '\\', '\0']) >= 0 || newName.Length > 255)
            throw new ArgumentException($"'{newName}' is not a file name", nameof(newName));
        string[] parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
            throw new ArgumentException("no path to rename", nameof(path));
        int depth = parts.Length - 1;
        bool Under(TorrentFile f) => f.PathComponents.Count > depth && f.PathComponents.Take(parts.Length).SequenceEqual(parts);
        if (!torrent.Files.Any(f => !f.IsPadding && Under(f)))
            throw new ArgumentException($"the torrent has no file or folder '{path}'", nameof(path));
        if (torrent.Files.Any(f => f.PathComponents.Count > depth && f.PathComponents.Take(depth).SequenceEqual(parts.Take(depth)) && f.PathComponents[depth] == newName))
            throw new ArgumentException($"'{newName}' is already there", nameof(newName));
        var files = torrent.Files.Select(f => !Under(f) ? f : new TorrentFile
        {
            PathComponents = [.. f.PathComponents.Select((c, i) => i == depth ? newName : c)],
            Length = f.Length,
            Offset = f.Offset,
            Attributes = f.Attributes,
            PiecesRoot = f.PiecesRoot,
        }).ToList();
        return torrent with { Files = files, Name = depth == 0 ? newName : torrent.Name };
    }
}

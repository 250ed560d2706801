using Shoal.Metainfo;

namespace Shoal.Storage;

/// <summary>
/// Before a torrent with no resume data is checked, its files that another torrent of this
/// client holds complete are copied into its folder, so the check finds them and nothing of them
/// is downloaded: a file with the same v2 pieces root (the same content, by its Merkle root), or
/// for torrents that BEP 38 names related (one lists the other's info-hash in "similar", or they
/// share a "collections" entry) a file at the same path with the same length (unless both have
/// pieces roots, which then differ), which the check then hashes like any other. Files are copied, not hard-linked: a torrent writes into its files,
/// and a write through a shared link would change the other torrent's data.
/// </summary>
internal static class LocalReuse
{
    /// <summary>A file the torrent can take from another one: where it comes from and where it goes.</summary>
    public sealed record Placement(TorrentFile File, string From, string To);

    /// <summary>What the complete <paramref name="donors"/> (their metainfo and save folders) offer <paramref name="torrent"/> saved in <paramref name="saveDirectory"/>.</summary>
    public static List<Placement> Find(Torrent torrent, string saveDirectory, IEnumerable<(Torrent Torrent, string SaveDirectory)> donors)
    {
        var complete = donors.Where(d => d.Torrent.InfoHashes != torrent.InfoHashes).ToList();
        var byRoot = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (donor, folder) in complete)
        {
            foreach (var file in donor.Files.Where(f => !f.IsPadding && !f.PiecesRoot.IsEmpty))
                byRoot.TryAdd(Convert.ToHexString(file.PiecesRoot.Span) + ":" + file.Length, TorrentVerifier.PathOf(folder, file));
        }
        var related = complete.Where(d => Related(torrent, d.Torrent)).ToList();
        var placements = new List<Placement>();
        foreach (var file in torrent.Files.Where(f => !f.IsPadding && f.Length > 0))
        {
            string to = TorrentVerifier.PathOf(saveDirectory, file);
            string? from = !file.PiecesRoot.IsEmpty && byRoot.TryGetValue(Convert.ToHexString(file.PiecesRoot.Span) + ":" + file.Length, out var same)
                ? same
                : related.SelectMany(d => d.Torrent.Files.Where(f => !f.IsPadding && f.Length == file.Length && InnerPath(d.Torrent, f) == InnerPath(torrent, file)
                        // Two pieces roots that differ say the content differs: only a file without one is taken by its name.
                        && (f.PiecesRoot.IsEmpty || file.PiecesRoot.IsEmpty))
                    .Select(f => TorrentVerifier.PathOf(d.SaveDirectory, f))).FirstOrDefault();
            if (from is not null && from != to && File.Exists(from) && new FileInfo(from).Length == file.Length && !File.Exists(to))
                placements.Add(new Placement(file, from, to));
        }
        return placements;
    }

    /// <summary>Copies each placement (to a temporary name, then into place: a crash never leaves a short file under the real name).</summary>
    public static long Copy(IEnumerable<Placement> placements, CancellationToken token)
    {
        long bytes = 0;
        foreach (var placement in placements)
        {
            token.ThrowIfCancellationRequested();
            Directory.CreateDirectory(Path.GetDirectoryName(placement.To)!);
            string temp = placement.To + ".shoal-reuse";
            File.Copy(placement.From, temp, overwrite: true);
            File.Move(temp, placement.To);
            bytes += placement.File.Length;
        }
        return bytes;
    }

    /// <summary>BEP 38: either names the other in "similar", or they share a collection.</summary>
    public static bool Related(Torrent a, Torrent b) =>
        Names(a, b) || Names(b, a) || a.Collections.Intersect(b.Collections, StringComparer.Ordinal).Any();

    /// <summary>Whether the two hold a file with the same v2 pieces root (the same content).</summary>
    public static bool SharesFiles(Torrent a, Torrent b)
    {
        var roots = a.Files.Where(f => !f.PiecesRoot.IsEmpty).Select(f => Convert.ToHexString(f.PiecesRoot.Span)).ToHashSet(StringComparer.Ordinal);
        return roots.Count > 0 && b.Files.Any(f => !f.PiecesRoot.IsEmpty && roots.Contains(Convert.ToHexString(f.PiecesRoot.Span)));
    }

    private static bool Names(Torrent a, Torrent b) =>
        a.Similar.Any(h => h == b.InfoHashes.V1 || (b.InfoHashes.V2 is { } v2 && h == v2.Truncated));

    /// <summary>A file's path inside its torrent: without the torrent's own folder name, which versions usually change (a single file: its name).</summary>
    private static string InnerPath(Torrent torrent, TorrentFile file) =>
        torrent.IsSingleFile ? file.Path : string.Join('/', file.PathComponents.Skip(1));
}

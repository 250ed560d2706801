namespace Shoal.Storage;

/// <summary>Moves a torrent's data on disk: a rename when it can, else a copy (modification times kept, so resume data still matches) and a delete.</summary>
internal static class DataMover
{
    /// <summary>Moves the file or folder <paramref name="from"/> to <paramref name="to"/>; nothing happens when <paramref name="from"/> does not exist. Refuses to overwrite.</summary>
    public static void Move(string from, string to)
    {
        bool isDirectory = Directory.Exists(from);
        if (!isDirectory && !File.Exists(from))
            return;
        if (Directory.Exists(to) || File.Exists(to))
            throw new IOException($"{to} already exists");
        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
        try
        {
            if (isDirectory)
                Directory.Move(from, to);
            else
                File.Move(from, to);
            return;
        }
        catch (IOException) when (!Directory.Exists(to) && !File.Exists(to))
        {
            // Another file system: copy, then delete (below).
        }
        if (isDirectory)
        {
            CopyTree(from, to);
            Directory.Delete(from, recursive: true);
        }
        else
        {
            CopyFile(from, to);
            File.Delete(from);
        }
    }

    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string dir in Directory.EnumerateDirectories(from))
            CopyTree(dir, Path.Combine(to, Path.GetFileName(dir)));
        foreach (string file in Directory.EnumerateFiles(from))
            CopyFile(file, Path.Combine(to, Path.GetFileName(file)));
    }

    private static void CopyFile(string from, string to)
    {
        File.Copy(from, to);
        File.SetLastWriteTimeUtc(to, File.GetLastWriteTimeUtc(from));
    }
}

namespace Shoal.Storage;

/// <summary>Writes a file by writing a temporary sibling and renaming it over the target.</summary>
public static class AtomicFile
{
    private static long s_sequence;

    /// <summary>Writes <paramref name="data"/> to <paramref name="path"/> through a temporary file and a rename: a crash leaves the old file or the new one, never half of one.</summary>
    public static void Write(string path, ReadOnlySpan<byte> data)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        // Unique per write: two threads saving the same file must not share (and rename away) one temporary file.
        string temp = $"{full}.tmp-{Environment.ProcessId}-{Interlocked.Increment(ref s_sequence)}";
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                stream.Write(data);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
                File.Delete(temp);
        }
    }
}

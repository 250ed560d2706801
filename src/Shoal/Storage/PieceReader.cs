using Microsoft.Win32.SafeHandles;
using Shoal.Metainfo;

namespace Shoal.Storage;

/// <summary>
/// Reads ranges of piece space from the files on disk with pread (<see cref="RandomAccess"/>),
/// through the one piece-space walk and a shared <see cref="FileHandleCache"/>. Padding files
/// and gaps read as zeros; a missing or short file makes the read incomplete. Thread-safe.
/// </summary>
internal sealed class PieceReader(PieceSpace space, FileHandleCache handles)
{
    /// <summary>A handle cache that opens files for reading and remembers missing ones as null.</summary>
    public static FileHandleCache ReadOnlyHandles(IReadOnlyList<TorrentFile> files, Func<TorrentFile, string> pathOf) =>
        new((index, _) =>
        {
            try
            {
                return File.OpenHandle(pathOf(files[index]), FileMode.Open, FileAccess.Read, FileShare.ReadWrite, FileOptions.None);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or IOException)
            {
                return null;
            }
        });

    /// <summary>Fills <paramref name="buffer"/> from piece-space <paramref name="offset"/>; false when any data is missing.</summary>
    public bool Read(long offset, Span<byte> buffer)
    {
        buffer.Clear(); // padding files and v2 alignment gaps read as zeros
        bool complete = true;
        foreach (var range in space.Ranges(offset, buffer.Length))
        {
            using var lease = handles.Rent(range.File, write: false);
            var target = buffer.Slice(range.BufferOffset, range.Length);
            if (lease.Handle is null || !ReadFully(lease.Handle, target, range.FileOffset))
            {
                target.Clear();
                complete = false;
            }
        }
        return complete;
    }

    /// <summary>Reads all of <paramref name="target"/> at <paramref name="fileOffset"/>; false when the file ends first.</summary>
    public static bool ReadFully(SafeFileHandle handle, Span<byte> target, long fileOffset)
    {
        int done = 0;
        while (done < target.Length)
        {
            int n = RandomAccess.Read(handle, target[done..], fileOffset + done);
            if (n == 0)
                return false;
            done += n;
        }
        return true;
    }
}

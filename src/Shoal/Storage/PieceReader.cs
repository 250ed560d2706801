using Microsoft.Win32.SafeHandles;
using Shoal.Metainfo;

namespace Shoal.Storage;

/// <summary>
/// Reads ranges of piece space from the files on disk with pread (<see cref="RandomAccess"/>).
/// Padding files and gaps read as zeros; a missing or short file makes the read incomplete.
/// One reader per worker: it keeps a small cache of open handles and is not thread-safe.
/// </summary>
public sealed class PieceReader : IDisposable
{
    private const int MaxOpenFiles = 16;

    private readonly IReadOnlyList<TorrentFile> _files;
    private readonly Func<TorrentFile, string> _pathOf;
    private readonly PieceSpace _space;
    private readonly Dictionary<int, SafeFileHandle?> _handles = [];
    private readonly LinkedList<int> _recent = new();

    public PieceReader(IReadOnlyList<TorrentFile> files, PieceSpace space, Func<TorrentFile, string> pathOf)
    {
        _files = files;
        _space = space;
        _pathOf = pathOf;
    }

    /// <summary>Fills <paramref name="buffer"/> from piece-space <paramref name="offset"/>; false when any data is missing.</summary>
    public bool Read(long offset, Span<byte> buffer)
    {
        bool complete = true;
        long end = offset + buffer.Length;
        long filled = offset; // everything before this is written
        for (int i = _space.FileIndexAt(offset); i < _files.Count && _files[i].Offset < end; i++)
        {
            var file = _files[i];
            if (file.IsPadding || file.Length == 0)
                continue;
            long from = Math.Max(offset, file.Offset);
            long to = Math.Min(end, file.EndOffset);
            if (to <= from)
                continue;
            // Padding files and v2 alignment gaps read as zeros; only they are cleared, not the data.
            buffer[(int)(filled - offset)..(int)(from - offset)].Clear();
            var target = buffer.Slice((int)(from - offset), (int)(to - from));
            if (!ReadFile(i, from - file.Offset, target))
            {
                target.Clear();
                complete = false;
            }
            filled = to;
        }
        buffer[(int)(filled - offset)..].Clear();
        return complete;
    }

    private bool ReadFile(int index, long fileOffset, Span<byte> target)
    {
        var handle = Handle(index);
        if (handle is null)
            return false;
        int done = 0;
        while (done < target.Length)
        {
            int n = RandomAccess.Read(handle, target[done..], fileOffset + done);
            if (n == 0)
                return false; // the file is shorter than the torrent says
            done += n;
        }
        return true;
    }

    private SafeFileHandle? Handle(int index)
    {
        if (_handles.TryGetValue(index, out var handle))
        {
            _recent.Remove(index);
            _recent.AddFirst(index);
            return handle;
        }
        if (_handles.Count >= MaxOpenFiles)
        {
            int oldest = _recent.Last!.Value;
            _recent.RemoveLast();
            _handles[oldest]?.Dispose();
            _handles.Remove(oldest);
        }
        try
        {
            handle = File.OpenHandle(_pathOf(_files[index]), FileMode.Open, FileAccess.Read, FileShare.ReadWrite, FileOptions.None);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or IOException)
        {
            handle = null;
        }
        _handles[index] = handle;
        _recent.AddFirst(index);
        return handle;
    }

    public void Dispose()
    {
        foreach (var handle in _handles.Values)
            handle?.Dispose();
        _handles.Clear();
        _recent.Clear();
    }
}

using Microsoft.Win32.SafeHandles;
using Shoal.Metainfo;

namespace Shoal.Storage;

/// <summary>How a download's files are laid out on disk before data arrives.</summary>
public enum AllocationMode
{
    /// <summary>Files are created at full length as sparse files; space is used as pieces arrive.</summary>
    Sparse,
    /// <summary>Files reserve their full size up front (fallocate), so a full disk shows at once.</summary>
    Preallocate,
}

/// <summary>
/// A torrent's files on disk: pieces written and blocks read with pwrite/pread
/// (<see cref="RandomAccess"/>), across file boundaries, skipping padding files and v2 gaps.
/// Keeps a bounded cache of open handles shared by all threads; positional I/O lets readers
/// and writers use one handle at once.
/// </summary>
public sealed class TorrentStorage : IDisposable
{
    private readonly Torrent _torrent;
    private readonly string _saveDirectory;
    private readonly AllocationMode _allocation;
    private readonly int _maxOpen;
    private readonly Lock _gate = new();
    private readonly Dictionary<int, Entry> _open = [];
    private long _useClock;
    private bool _disposed;

    private sealed class Entry(SafeFileHandle handle, bool writable)
    {
        public SafeFileHandle Handle = handle;
        public bool Writable = writable;
        public int Users;
        public long LastUse;
    }

    public TorrentStorage(Torrent torrent, string saveDirectory, AllocationMode allocation = AllocationMode.Sparse, int maxOpenFiles = 32)
    {
        _torrent = torrent;
        _saveDirectory = saveDirectory;
        _allocation = allocation;
        _maxOpen = maxOpenFiles;
    }

    public string PathOf(TorrentFile file) => TorrentVerifier.PathOf(_saveDirectory, file);

    /// <summary>Writes a whole verified piece.</summary>
    public void WritePiece(int piece, ReadOnlySpan<byte> data)
    {
        long start = (long)piece * _torrent.PieceLength;
        ForEachFileRange(start, data.Length, (fileIndex, fileOffset, from, length, state) =>
        {
            var entry = Lease(fileIndex, write: true);
            try
            {
                RandomAccess.Write(entry.Handle, state.Slice(from, length), fileOffset);
            }
            finally
            {
                Release(entry);
            }
        }, data);
    }

    /// <summary>Reads <paramref name="destination"/>.Length bytes of piece <paramref name="piece"/> from <paramref name="begin"/>.</summary>
    public void Read(int piece, int begin, Span<byte> destination)
    {
        long start = (long)piece * _torrent.PieceLength + begin;
        destination.Clear(); // padding and gaps read as zeros
        ForEachFileRange(start, destination.Length, (fileIndex, fileOffset, from, length, state) =>
        {
            var entry = Lease(fileIndex, write: false);
            try
            {
                var target = state.Slice(from, length);
                int done = 0;
                while (done < target.Length)
                {
                    int n = RandomAccess.Read(entry.Handle, target[done..], fileOffset + done);
                    if (n == 0)
                        throw new IOException($"{PathOf(_torrent.Files[fileIndex])} is shorter than the torrent says");
                    done += n;
                }
            }
            finally
            {
                Release(entry);
            }
        }, destination);
    }

    private delegate void RangeAction<T>(int fileIndex, long fileOffset, int from, int length, T state)
        where T : allows ref struct;

    private void ForEachFileRange<T>(long start, int count, RangeAction<T> action, T state)
        where T : allows ref struct
    {
        long end = start + count;
        var files = _torrent.Files;
        for (int i = _torrent.Space.FileIndexAt(start); i < files.Count && files[i].Offset < end; i++)
        {
            var file = files[i];
            if (file.IsPadding || file.Length == 0)
                continue;
            long from = Math.Max(start, file.Offset);
            long to = Math.Min(end, file.EndOffset);
            if (to > from)
                action(i, from - file.Offset, (int)(from - start), (int)(to - from), state);
        }
    }

    /// <summary>Creates the empty files of the torrent (they belong to no piece) and the folders.</summary>
    public void CreateEmptyFiles(Func<int, bool> wanted)
    {
        for (int i = 0; i < _torrent.Files.Count; i++)
        {
            var file = _torrent.Files[i];
            if (file.Length != 0 || file.IsPadding || !wanted(i))
                continue;
            string path = PathOf(file);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            if (!File.Exists(path))
                File.Create(path).Dispose();
        }
    }

    /// <summary>With <see cref="AllocationMode.Preallocate"/>, reserves every wanted file's space now.</summary>
    public void Allocate(Func<int, bool> wanted)
    {
        if (_allocation != AllocationMode.Preallocate)
            return;
        for (int i = 0; i < _torrent.Files.Count; i++)
        {
            var file = _torrent.Files[i];
            if (!file.IsPadding && file.Length > 0 && wanted(i))
                Release(Lease(i, write: true));
        }
    }

    private Entry Lease(int fileIndex, bool write)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_open.TryGetValue(fileIndex, out var entry) && (entry.Writable || !write))
            {
                entry.Users++;
                entry.LastUse = ++_useClock;
                return entry;
            }
            var handle = Open(_torrent.Files[fileIndex], write);
            if (entry is not null)
            {
                // Upgrade a read handle to a writable one; the old one closes when its users finish.
                _open.Remove(fileIndex);
                if (entry.Users == 0)
                    entry.Handle.Dispose();
            }
            entry = new Entry(handle, write) { Users = 1, LastUse = ++_useClock };
            _open[fileIndex] = entry;
            EvictIdle();
            return entry;
        }
    }

    private void Release(Entry entry)
    {
        lock (_gate)
        {
            entry.Users--;
            bool current = _open.ContainsValue(entry);
            if (entry.Users == 0 && (!current || _disposed))
                entry.Handle.Dispose();
            EvictIdle();
        }
    }

    private void EvictIdle()
    {
        while (_open.Count > _maxOpen)
        {
            var idle = _open.Where(p => p.Value.Users == 0).OrderBy(p => p.Value.LastUse).FirstOrDefault();
            if (idle.Value is null)
                return;
            _open.Remove(idle.Key);
            idle.Value.Handle.Dispose();
        }
    }

    private SafeFileHandle Open(TorrentFile file, bool write)
    {
        string path = PathOf(file);
        if (!write)
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        bool existed = File.Exists(path);
        bool reserve = !existed && _allocation == AllocationMode.Preallocate;
        var handle = File.OpenHandle(path, reserve ? FileMode.CreateNew : FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite,
            FileOptions.None, reserve ? file.Length : 0);
        try
        {
            if (RandomAccess.GetLength(handle) < file.Length)
                RandomAccess.SetLength(handle, file.Length); // sparse: no blocks are allocated
        }
        catch
        {
            handle.Dispose();
            throw;
        }
        return handle;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            foreach (var entry in _open.Values)
            {
                if (entry.Users == 0)
                    entry.Handle.Dispose();
            }
            _open.Clear();
        }
    }
}

using Microsoft.Win32.SafeHandles;
using Shoal.Metainfo;

namespace Shoal.Storage;

/// <summary>
/// A torrent's files on disk: pieces written and blocks read with pwrite/pread
/// (<see cref="RandomAccess"/>) across file boundaries through the one piece-space walk
/// (<see cref="PieceSpace.Ranges"/>), so padding files and v2 gaps are never created or touched.
/// Handles come from a bounded <see cref="FileHandleCache"/> shared by all threads.
/// </summary>
internal sealed class TorrentStorage : IDisposable
{
    private readonly Torrent _torrent;
    private readonly string _saveDirectory;
    private readonly AllocationMode _allocation;
    private readonly FileHandleCache _handles;
    private readonly ReadCache.DiskRead _diskRead;

    public TorrentStorage(Torrent torrent, string saveDirectory, AllocationMode allocation = AllocationMode.Sparse, int maxOpenFiles = FileHandleCache.DefaultMaxOpen)
    {
        _torrent = torrent;
        _saveDirectory = saveDirectory;
        _allocation = allocation;
        _handles = new FileHandleCache((file, write) => Open(_torrent.Files[file], write), maxOpenFiles);
        _diskRead = Read;
    }

    /// <summary>The client's cache of what seeds read, if any: <see cref="ReadToSend"/> goes through it.</summary>
    public ReadCache? Cache { get; init; }

    /// <summary>Reads a block to send to <paramref name="peer"/>: through the read cache when there is one, else from disk.</summary>
    public void ReadToSend(int piece, int begin, Span<byte> destination, object peer)
    {
        if (Cache is { } cache)
            cache.Read(this, piece, _torrent.PieceSize(piece), begin, destination, _diskRead, peer);
        else
            Read(piece, begin, destination);
    }

    public string PathOf(TorrentFile file) => TorrentVerifier.PathOf(_saveDirectory, file);

    /// <summary>Writes a whole verified piece.</summary>
    public void WritePiece(int piece, ReadOnlySpan<byte> data)
    {
        Cache?.Forget(this, piece, data.Length); // a piece written again after a failed check: what was read of it is stale
        foreach (var range in _torrent.Space.Ranges((long)piece * _torrent.PieceLength, data.Length))
        {
            using var lease = _handles.Rent(range.File, write: true);
            RandomAccess.Write(lease.Handle!, data.Slice(range.BufferOffset, range.Length), range.FileOffset);
        }
    }

    /// <summary>Reads <paramref name="destination"/>.Length bytes of piece <paramref name="piece"/> from <paramref name="begin"/>.</summary>
    public void Read(int piece, int begin, Span<byte> destination)
    {
        destination.Clear(); // padding and gaps read as zeros
        foreach (var range in _torrent.Space.Ranges((long)piece * _torrent.PieceLength + begin, destination.Length))
        {
            using var lease = _handles.Rent(range.File, write: false);
            if (!PieceReader.ReadFully(lease.Handle!, destination.Slice(range.BufferOffset, range.Length), range.FileOffset))
                throw new IOException($"{PathOf(_torrent.Files[range.File])} is shorter than the torrent says");
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
                _handles.Rent(i, write: true).Dispose();
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
        Cache?.Forget(this);
        _handles.Dispose();
    }
}

using Microsoft.Win32.SafeHandles;

namespace Shoal.Storage;

/// <summary>
/// A bounded cache of open file handles, keyed by file index and shared by all threads. A handle
/// is leased for one positional read or write (pread/pwrite need no seek, so many threads share
/// one handle) and closed only when it is evicted and no lease holds it. A read handle is
/// upgraded to a writable one on the first write. The opener decides what a missing file means:
/// it may throw, or return null (the cache remembers that until the next write).
/// </summary>
internal sealed class FileHandleCache(Func<int, bool, SafeFileHandle?> open, int maxOpen = FileHandleCache.DefaultMaxOpen) : IDisposable
{
    public const int DefaultMaxOpen = 32;
    private readonly Lock _gate = new();
    private readonly Dictionary<int, Entry> _open = [];
    private long _useClock;
    private bool _disposed;

    internal sealed class Entry(int file, SafeFileHandle? handle, bool writable)
    {
        public readonly int File = file;
        public readonly SafeFileHandle? Handle = handle;
        public readonly bool Writable = writable;
        public int Users;
        public long LastUse;
    }

    /// <summary>A handle held for one operation; dispose it to give it back.</summary>
    public readonly struct Lease : IDisposable
    {
        private readonly FileHandleCache? _cache;
        private readonly Entry? _entry;

        internal Lease(FileHandleCache cache, Entry entry)
        {
            _cache = cache;
            _entry = entry;
        }

        /// <summary>The open handle; null when the opener found no file.</summary>
        public SafeFileHandle? Handle => _entry?.Handle;

        public void Dispose() => _cache?.Release(_entry!);
    }

    public Lease Rent(int file, bool write)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_open.TryGetValue(file, out var entry) && (entry.Writable || !write))
            {
                entry.Users++;
                entry.LastUse = ++_useClock;
                return new Lease(this, entry);
            }
            var handle = open(file, write);
            if (entry is not null)
            {
                // Upgrade to a writable handle; the old one closes when its users finish.
                _open.Remove(file);
                if (entry.Users == 0)
                    entry.Handle?.Dispose();
            }
            entry = new Entry(file, handle, write) { Users = 1, LastUse = ++_useClock };
            _open[file] = entry;
            EvictIdle();
            return new Lease(this, entry);
        }
    }

    private void Release(Entry entry)
    {
        lock (_gate)
        {
            entry.Users--;
            bool current = _open.TryGetValue(entry.File, out var now) && ReferenceEquals(now, entry);
            if (entry.Users == 0 && (!current || _disposed))
                entry.Handle?.Dispose();
            EvictIdle();
        }
    }

    private void EvictIdle()
    {
        while (_open.Count > maxOpen)
        {
            int victim = -1;
            long oldest = long.MaxValue;
            foreach (var (index, value) in _open)
            {
                if (value.Users == 0 && value.LastUse < oldest)
                    (victim, oldest) = (index, value.LastUse);
            }
            if (victim < 0)
                return;
            _open.Remove(victim, out var evicted);
            evicted!.Handle?.Dispose();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            foreach (var entry in _open.Values)
            {
                if (entry.Users == 0)
                    entry.Handle?.Dispose();
            }
            _open.Clear();
        }
    }
}

using System.Buffers;

namespace Shoal.Storage;

/// <summary>
/// What seeds read, kept a while: chunks of up to <see cref="ChunkSize"/> (a whole piece of up to
/// 256 KiB, else its 256 KiB-aligned parts). A chunk is read from disk whole once a second peer
/// asks for a block of it (a peer alone reading a piece block by block reads just its blocks:
/// with more peers each on its own piece than the cache holds, loading whole chunks would read
/// each of them many times over) and then served from memory, so a crowd asking for the same
/// pieces reads each once per burst, not once per peer. Who asked first is remembered for the
/// last <see cref="MaxRemembered"/> chunks asked for. Bounded in bytes (the least recently used
/// go first; a chunk being read or copied is returned to the pool only when its last reader is
/// done). A chunk several send loops ask for at the same moment is read once: the others wait
/// for that read. A block that straddles two chunks (an unaligned request) is read from disk. A
/// piece written again (after a failed check) is forgotten first. Counts hits and misses.
/// Thread-safe.
/// </summary>
internal sealed class ReadCache(long capacity)
{
    public const int ChunkSize = 256 * 1024;
    public const int MaxRemembered = 8192;

    /// <summary>Reads <paramref name="destination"/>.Length bytes of a piece from <paramref name="begin"/> (the storage's read).</summary>
    public delegate void DiskRead(int piece, int begin, Span<byte> destination);

    private sealed class Chunk(object owner, int piece, int index, int length)
    {
        public readonly object Owner = owner;
        public readonly int Piece = piece;
        public readonly int Index = index;
        public readonly int Length = length;
        public readonly byte[] Data = ArrayPool<byte>.Shared.Rent(length);
        public int Readers;
        public bool Loaded;
        public bool Failed;
        public bool Evicted;
        public LinkedListNode<Chunk>? Node;
    }

    private readonly object _gate = new(); // a monitor: readers of a chunk being loaded wait on it
    private readonly Dictionary<(object Owner, int Piece, int Index), Chunk> _chunks = [];
    private readonly LinkedList<Chunk> _recent = new(); // most recently used first
    private readonly Dictionary<(object Owner, int Piece, int Index), object> _firstAsker = [];
    private readonly Queue<(object Owner, int Piece, int Index)> _askedOrder = new();
    private long _bytes;
    private long _hits;
    private long _misses;

    public long Capacity => capacity;
    public long Hits => Interlocked.Read(ref _hits);
    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>
    /// Copies bytes of <paramref name="piece"/> (of <paramref name="pieceSize"/> bytes) of
    /// <paramref name="owner"/>'s data into <paramref name="destination"/> for <paramref name="asker"/>
    /// (a peer), from memory when it can.
    /// </summary>
    public void Read(object owner, int piece, int pieceSize, int begin, Span<byte> destination, DiskRead disk, object asker)
    {
        int index = begin / ChunkSize;
        int chunkBegin = index * ChunkSize;
        int length = Math.Min(ChunkSize, pieceSize - chunkBegin);
        if (capacity < length || begin + destination.Length > chunkBegin + length)
        {
            disk(piece, begin, destination);
            return;
        }
        Chunk? chunk;
        bool load = false;
        lock (_gate)
        {
            if (_chunks.TryGetValue((owner, piece, index), out var found))
            {
                chunk = found;
                _recent.Remove(chunk.Node!);
                _recent.AddFirst(chunk.Node!);
                _hits++;
            }
            else if (!SecondAsker((owner, piece, index), asker))
            {
                _misses++;
                chunk = null;
            }
            else
            {
                chunk = new Chunk(owner, piece, index, length);
                chunk.Node = _recent.AddFirst(chunk);
                _chunks[(owner, piece, index)] = chunk;
                _bytes += length;
                _misses++;
                load = true;
                EvictPast(capacity);
            }
            if (chunk is not null)
                chunk.Readers++;
        }
        if (chunk is null)
        {
            disk(piece, begin, destination); // the first peer to ask: its block alone
            return;
        }
        try
        {
            if (load)
                Load(chunk, disk);
            else
                AwaitLoad(chunk);
            chunk.Data.AsSpan(begin - chunkBegin, destination.Length).CopyTo(destination);
        }
        finally
        {
            lock (_gate)
            {
                chunk.Readers--;
                ReturnIfDone(chunk);
            }
        }
    }

    /// <summary>Whether another peer than <paramref name="asker"/> asked for this chunk lately; else remembers it as the first (under the gate).</summary>
    private bool SecondAsker((object Owner, int Piece, int Index) key, object asker)
    {
        if (_firstAsker.TryGetValue(key, out var first))
        {
            if (ReferenceEquals(first, asker))
                return false;
            _firstAsker.Remove(key); // its queue entry is skipped when it comes up
            return true;
        }
        _firstAsker[key] = asker;
        _askedOrder.Enqueue(key);
        while (_askedOrder.Count > MaxRemembered)
        {
            var oldest = _askedOrder.Dequeue();
            _firstAsker.Remove(oldest); // (a key asked again since is forgotten a little early: it only costs a chunk read later)
        }
        return false;
    }

    /// <summary>Drops what is kept of <paramref name="piece"/> (of <paramref name="pieceSize"/> bytes) of <paramref name="owner"/> (its data changes on disk): a look-up per chunk of it, as every piece written asks.</summary>
    public void Forget(object owner, int piece, int pieceSize)
    {
        lock (_gate)
        {
            for (int index = 0; (long)index * ChunkSize < pieceSize; index++)
            {
                if (_chunks.TryGetValue((owner, piece, index), out var chunk))
                    Drop(chunk);
            }
        }
    }

    /// <summary>Drops everything kept of <paramref name="owner"/> (its torrent stopped).</summary>
    public void Forget(object owner)
    {
        lock (_gate)
        {
            foreach (var chunk in _recent.Where(c => c.Owner == owner).ToList())
                Drop(chunk);
        }
    }

    private void Load(Chunk chunk, DiskRead disk)
    {
        bool ok = false;
        try
        {
            disk(chunk.Piece, chunk.Index * ChunkSize, chunk.Data.AsSpan(0, chunk.Length));
            ok = true;
        }
        finally
        {
            lock (_gate)
            {
                chunk.Loaded = true;
                chunk.Failed = !ok;
                if (!ok && !chunk.Evicted)
                    Drop(chunk); // the next reader tries the disk again
                Monitor.PulseAll(_gate);
            }
        }
    }

    private void AwaitLoad(Chunk chunk)
    {
        lock (_gate)
        {
            while (!chunk.Loaded)
                Monitor.Wait(_gate);
            if (chunk.Failed)
                throw new IOException("reading the piece from disk failed");
        }
    }

    private void EvictPast(long limit)
    {
        var last = _recent.Last;
        while (_bytes > limit && last is not null)
        {
            var previous = last.Previous;
            if (last.Value.Readers == 0 || last.Value.Loaded)
                Drop(last.Value);
            last = previous;
        }
    }

    /// <summary>Takes a chunk out of the cache (under the gate); its memory goes back once nobody reads it.</summary>
    private void Drop(Chunk chunk)
    {
        if (chunk.Evicted)
            return;
        chunk.Evicted = true;
        _chunks.Remove((chunk.Owner, chunk.Piece, chunk.Index));
        _recent.Remove(chunk.Node!);
        _bytes -= chunk.Length;
        ReturnIfDone(chunk);
    }

    private static void ReturnIfDone(Chunk chunk)
    {
        if (chunk.Evicted && chunk.Readers == 0 && chunk.Loaded)
            ArrayPool<byte>.Shared.Return(chunk.Data);
    }
}

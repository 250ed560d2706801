using Shoal.Storage;

namespace Shoal.Tests.Storage;

public class ReadCacheTests
{
    private const int PieceSize = 256 * 1024;
    private readonly object _owner = new();
    private int _diskReads;

    /// <summary>A piece's bytes: its index and offset mixed, so a wrong copy shows.</summary>
    private static byte ByteAt(int piece, int offset) => (byte)(piece * 31 + offset * 7);

    private void Disk(int piece, int begin, Span<byte> destination)
    {
        Interlocked.Increment(ref _diskReads);
        for (int i = 0; i < destination.Length; i++)
            destination[i] = ByteAt(piece, begin + i);
    }

    private readonly object _peerA = new(), _peerB = new();

    private byte[] Block(ReadCache cache, int piece, int begin, object? peer = null)
    {
        var block = new byte[16384];
        cache.Read(_owner, piece, PieceSize, begin, block, Disk, peer ?? _peerA);
        return block;
    }

    /// <summary>Two peers ask for a block of the piece: the second's request loads its chunk.</summary>
    private void Load(ReadCache cache, int piece, int begin)
    {
        Block(cache, piece, begin, _peerA);
        Block(cache, piece, begin, _peerB);
    }

    private static void AssertBlock(byte[] block, int piece, int begin)
    {
        for (int i = 0; i < block.Length; i++)
            Assert.Equal(ByteAt(piece, begin + i), block[i]);
    }

    [Fact]
    public void A_piece_many_peers_ask_for_is_read_from_disk_once_more_after_the_first_peers_blocks_and_copied_right()
    {
        var cache = new ReadCache(4 * PieceSize);
        var peers = Enumerable.Range(0, 50).Select(_ => new object()).ToList();
        foreach (var peer in peers)
        {
            for (int begin = 0; begin < PieceSize; begin += 16384)
                AssertBlock(Block(cache, 3, begin, peer), 3, begin);
        }
        // The first peer's 16 blocks come from disk one by one; the second peer's first block loads the piece.
        Assert.Equal(17, _diskReads);
        Assert.Equal(17, cache.Misses);
        Assert.Equal(50 * 16 - 17, cache.Hits);
    }

    [Fact]
    public void A_peer_alone_on_its_piece_reads_only_its_blocks_from_disk()
    {
        var cache = new ReadCache(4 * PieceSize);
        for (int begin = 0; begin < PieceSize; begin += 16384)
            AssertBlock(Block(cache, 9, begin, _peerA), 9, begin);
        Assert.Equal(16, _diskReads);
        Assert.Equal(0, cache.Hits);
    }

    [Fact]
    public void Past_its_capacity_the_least_recently_used_piece_goes_first()
    {
        var cache = new ReadCache(2 * PieceSize);
        Load(cache, 0, 0);
        Load(cache, 1, 0);
        Block(cache, 0, 16384); // 0 is the most recent now
        Load(cache, 2, 0); // evicts 1
        int before = _diskReads;
        Block(cache, 0, 0);
        Assert.Equal(before, _diskReads);
        Block(cache, 1, 0);
        Assert.Equal(before + 1, _diskReads);
    }

    [Fact]
    public void A_piece_written_again_is_read_again_and_a_block_across_chunks_comes_from_disk()
    {
        var cache = new ReadCache(4 * PieceSize);
        Load(cache, 5, 0);
        int before = _diskReads;
        cache.Forget(_owner, 5, PieceSize);
        Load(cache, 5, 0);
        Assert.Equal(before + 2, _diskReads); // the first asker's block, then the piece again
        var cacheOfBig = new ReadCache(4 * PieceSize);
        var straddling = new byte[16384];
        cacheOfBig.Read(_owner, 0, 1 << 20, ReadCache.ChunkSize - 100, straddling, Disk, _peerA); // an unaligned request in a 1 MiB piece
        AssertBlock(straddling, 0, ReadCache.ChunkSize - 100);
        Assert.Equal(0, cacheOfBig.Misses + cacheOfBig.Hits);
    }

    [Fact]
    public async Task Readers_of_one_piece_at_the_same_moment_wait_for_a_single_read()
    {
        var cache = new ReadCache(4 * PieceSize);
        Block(cache, 7, 0, _peerA); // the first asker: the next peer's request loads the piece
        _diskReads = 0;
        using var gate = new ManualResetEventSlim();
        void SlowDisk(int piece, int begin, Span<byte> destination)
        {
            gate.Wait(TimeSpan.FromSeconds(10));
            Disk(piece, begin, destination);
        }
        var readers = Enumerable.Range(0, 8).Select(i => Task.Run(() =>
        {
            var block = new byte[16384];
            cache.Read(_owner, 7, PieceSize, i * 16384, block, SlowDisk, _peerB);
            return block;
        })).ToList();
        await Engine.EngineHarness.WaitUntilAsync(() => cache.Misses + cache.Hits == 9, 20, "the eight readers to ask");
        gate.Set();
        var blocks = await Task.WhenAll(readers);
        for (int i = 0; i < blocks.Length; i++)
            AssertBlock(blocks[i], 7, i * 16384);
        Assert.Equal(1, _diskReads);
    }
}

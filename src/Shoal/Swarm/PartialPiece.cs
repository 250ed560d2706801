using System.Buffers;

namespace Shoal.Swarm;

/// <summary>
/// A piece being downloaded: which blocks are requested and from whom, which have arrived, and
/// the pooled buffer the blocks are copied into, so the piece is hashed from memory and written
/// once. Owned by the torrent's picker (under its lock) until it is complete.
/// </summary>
internal sealed class PartialPiece<TPeer> where TPeer : class
{
    public enum BlockState : byte { Free, Requested, Received }

    private byte[]? _buffer;

    public PartialPiece(int index, int size)
    {
        Index = index;
        Size = size;
        BlockCount = (size + BlockRequest.BlockSize - 1) / BlockRequest.BlockSize;
        States = new BlockState[BlockCount];
        Requesters = new List<TPeer>?[BlockCount];
        Senders = new TPeer?[BlockCount];
    }

    public int Index { get; }
    /// <summary>When it was started, relative to the picker's other pieces (older first).</summary>
    public long Sequence { get; init; }
    /// <summary>In the picker's set of started pieces with a block not yet asked for.</summary>
    public bool Open { get; set; }
    public int Size { get; }
    public int BlockCount { get; }
    public BlockState[] States { get; }
    public List<TPeer>?[] Requesters { get; }
    public int Received { get; set; }
    /// <summary>Set when a peer on parole (it sent part of a piece that failed) fetches this piece alone.</summary>
    public TPeer? Exclusive { get; set; }
    public int Requested { get; set; }
    /// <summary>Which peer sent each block, to blame if the hash fails.</summary>
    public TPeer?[] Senders { get; }
    /// <summary>True once every block is in and the piece is being hashed and written.</summary>
    public bool Complete => Received == BlockCount;

    public Memory<byte> Data => Buffer.AsMemory(0, Size);
    public byte[] Buffer => _buffer ??= ArrayPool<byte>.Shared.Rent(Size);

    public int BlockLength(int block) => Math.Min(BlockRequest.BlockSize, Size - block * BlockRequest.BlockSize);

    public BlockRequest Block(int block) => new(Index, block * BlockRequest.BlockSize, BlockLength(block));

    /// <summary>Returns the buffer to the pool; the piece must not be used afterwards.</summary>
    public void ReturnBuffer()
    {
        if (_buffer is not null)
            ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = null;
    }
}

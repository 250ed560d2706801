using System.Security.Cryptography;
using Shoal.Metainfo;

namespace Shoal.Extensions;

/// <summary>
/// The info dictionary being put together from BEP 9 blocks: which blocks are in, who sent each,
/// and whether the whole hashes to the info-hash. Blocks are allocated as they arrive, so an
/// announced size costs nothing until data comes. Pure: no clock, no peers' connections.
/// </summary>
internal sealed class MetadataAssembly<TPeer>
    where TPeer : class
{
    private readonly byte[]?[] _blocks;
    private readonly TPeer?[] _senders;
    private int _received;

    public MetadataAssembly(long size, long maxSize)
    {
        if (size <= 0 || size > maxSize)
            throw new ArgumentOutOfRangeException(nameof(size), size, $"metadata size must be 1..{maxSize}");
        Size = (int)size;
        BlockCount = (Size + MetadataMessage.BlockSize - 1) / MetadataMessage.BlockSize;
        _blocks = new byte[BlockCount][];
        _senders = new TPeer[BlockCount];
    }

    public int Size { get; }
    public int BlockCount { get; }
    public bool IsComplete => _received == BlockCount;
    /// <summary>The part of the info dictionary received so far (0 to 1).</summary>
    public double Progress => (double)_received / BlockCount;

    public int BlockLength(int block) =>
        block == BlockCount - 1 ? Size - block * MetadataMessage.BlockSize : MetadataMessage.BlockSize;

    public bool Has(int block) => _blocks[block] is not null;

    /// <summary>Stores a block; throws <see cref="FormatException"/> when its index or length is wrong.</summary>
    public void Add(int block, ReadOnlySpan<byte> data, TPeer sender)
    {
        if ((uint)block >= (uint)BlockCount)
            throw new FormatException($"metadata block {block} of {BlockCount}");
        if (data.Length != BlockLength(block))
            throw new FormatException($"metadata block {block} holds {data.Length} bytes, not {BlockLength(block)}");
        if (_blocks[block] is not null)
            return;
        _blocks[block] = data.ToArray();
        _senders[block] = sender;
        _received++;
    }

    /// <summary>The peers whose blocks are in.</summary>
    public IReadOnlySet<TPeer> Senders => _senders.OfType<TPeer>().ToHashSet();

    /// <summary>The whole info dictionary (only once complete).</summary>
    public byte[] Assemble()
    {
        if (!IsComplete)
            throw new InvalidOperationException("the metadata is not complete");
        var info = new byte[Size];
        for (int i = 0; i < BlockCount; i++)
            _blocks[i]!.CopyTo(info, i * MetadataMessage.BlockSize);
        return info;
    }

    /// <summary>
    /// Whether <paramref name="info"/> is the info dictionary <paramref name="hashes"/> name: its
    /// SHA-1 is the v1 hash and its SHA-256 the v2 hash (or starts with a truncated one).
    /// </summary>
    public static bool Matches(ReadOnlySpan<byte> info, InfoHashes hashes)
    {
        if (hashes.V1 is { } v1 && !SHA1.HashData(info).AsSpan().SequenceEqual(v1.Span))
            return false;
        if (hashes.V2 is { } v2 && !SHA256.HashData(info).AsSpan(0, v2.Length).SequenceEqual(v2.Span))
            return false;
        return hashes.V1 is not null || hashes.V2 is not null;
    }
}

using System.Security.Cryptography;
using Shoal.Metainfo;

namespace Shoal.Storage;

/// <summary>
/// Hashes every piece of a file set on all cores. Each worker reads its piece in chunks and
/// hashes each chunk while it is still in the CPU cache, feeding SHA-1 for v1 and 16 KiB leaf
/// hashes for v2.
/// Pieces are handed out in order by an atomic counter, so reads stay close to sequential.
/// </summary>
internal static class PieceHashing
{
    /// <summary>
    /// Bytes read and hashed at a time: a multiple of the v2 block that fits in L2. Measured on
    /// 1 GiB, interleaved runs of the native build: 256 KiB takes ~5% less time than 64 KiB
    /// (fewer reads), and 1 MiB gains nothing more.
    /// </summary>
    public const int ChunkSize = 256 * 1024;

    public static Task RunAsync(
        IReadOnlyList<TorrentFile> files,
        PieceSpace space,
        Func<TorrentFile, string> pathOf,
        bool v1,
        bool v2,
        PieceHashed onPiece,
        IProgress<long>? progress,
        CancellationToken cancellationToken,
        int? workers = null)
    {
        int count = space.PieceCount;
        int threads = Math.Max(1, Math.Min(workers ?? Environment.ProcessorCount, count));
        int next = -1;
        var tasks = new Task[threads];
        var handles = PieceReader.ReadOnlyHandles(files, pathOf);
        var reader = new PieceReader(space, handles);
        for (int t = 0; t < threads; t++)
        {
            tasks[t] = Task.Factory.StartNew(() =>
            {
                using var sha1 = v1 ? IncrementalHash.CreateHash(HashAlgorithmName.SHA1) : null;
                var chunk = new byte[Math.Min(ChunkSize, space.PieceLength)];
                var leaves = new byte[v2 ? space.PieceLength / MerkleTree.BlockSize * MerkleTree.HashSize : 0];
                Span<byte> digest = stackalloc byte[20];
                int piece;
                while ((piece = Interlocked.Increment(ref next)) < count)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    int size = space.PieceSize(piece);
                    int v2Length = v2 ? space.V2Data(piece).DataLength : 0;
                    long start = (long)piece * space.PieceLength;
                    bool complete = true;
                    for (int done = 0; done < size; done += chunk.Length)
                    {
                        var data = chunk.AsSpan(0, Math.Min(chunk.Length, size - done));
                        complete &= reader.Read(start + done, data);
                        sha1?.AppendData(data);
                        if (done < v2Length)
                        {
                            var v2Part = data[..Math.Min(data.Length, v2Length - done)];
                            MerkleTree.HashBlocks(v2Part, leaves.AsSpan(done / MerkleTree.BlockSize * MerkleTree.HashSize));
                        }
                    }
                    sha1?.GetHashAndReset(digest);
                    onPiece(piece, complete, v1 ? digest : default,
                        leaves.AsSpan(0, (int)MerkleTree.BlockCount(v2Length) * MerkleTree.HashSize));
                    progress?.Report(size);
                }
            }, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
        return Task.WhenAll(tasks).ContinueWith(done =>
        {
            handles.Dispose();
            done.GetAwaiter().GetResult(); // rethrow a worker's error or cancellation
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }
}

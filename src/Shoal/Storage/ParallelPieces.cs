using Shoal.Metainfo;

namespace Shoal.Storage;

/// <summary>
/// Runs a per-piece job over every piece on all cores. Each worker owns a buffer and a
/// <see cref="PieceReader"/>; pieces are handed out in order by an atomic counter so reads
/// stay close to sequential.
/// </summary>
public static class ParallelPieces
{
    /// <param name="work">Called with the piece index, its bytes, and whether every byte was present.</param>
    public static Task RunAsync(
        IReadOnlyList<TorrentFile> files,
        PieceSpace space,
        Func<TorrentFile, string> pathOf,
        Action<int, ReadOnlyMemory<byte>, bool> work,
        IProgress<long>? progress,
        CancellationToken cancellationToken,
        int? workers = null)
    {
        int count = space.PieceCount;
        int threads = Math.Max(1, Math.Min(workers ?? Environment.ProcessorCount, count));
        int next = -1;
        var tasks = new Task[threads];
        for (int t = 0; t < threads; t++)
        {
            tasks[t] = Task.Factory.StartNew(() =>
            {
                var buffer = new byte[space.PieceLength];
                using var reader = new PieceReader(files, space, pathOf);
                int piece;
                while ((piece = Interlocked.Increment(ref next)) < count)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    int size = space.PieceSize(piece);
                    var data = buffer.AsMemory(0, size);
                    bool complete = reader.Read((long)piece * space.PieceLength, data.Span);
                    work(piece, data, complete);
                    progress?.Report(size);
                }
            }, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
        return Task.WhenAll(tasks);
    }
}

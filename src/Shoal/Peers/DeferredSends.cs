using System.Collections.Concurrent;

namespace Shoal.Peers;

/// <summary>
/// Messages that may wait a moment (haves): a connection queues them without waking its send
/// loop, so they leave with its next write (a request, a block) or, at the latest, when this
/// client-wide flusher next ticks. A piece verified in a swarm of a hundred costs one have to each
/// peer that lacks it; sent at once, each was a syscall on both ends and a wake-up of the
/// receiver. One timer for the whole client; a connection is listed once per wait.
/// </summary>
internal sealed class DeferredSends
{
    /// <summary>How long a have may wait for another write to ride with.</summary>
    public static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(250);

    private readonly ConcurrentQueue<PeerSendQueue> _waiting = new();

    /// <summary>Lists a queue that holds deferred messages; the next tick wakes its send loop.</summary>
    public void Add(PeerSendQueue queue) => _waiting.Enqueue(queue);

    /// <summary>Wakes the send loop of every queue listed before this call.</summary>
    public void Flush()
    {
        for (int n = _waiting.Count; n > 0 && _waiting.TryDequeue(out var queue); n--)
            queue.FlushDeferred();
    }

    /// <summary>Flushes every <see cref="Delay"/> until <paramref name="cancellationToken"/> ends it (owned by the client).</summary>
    public async Task RunAsync(TimeProvider time, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Delay, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
                Flush();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}

using System.Collections.Concurrent;

namespace Shoal.Peers;

/// <summary>
/// Messages that may wait a moment (haves): a connection queues them without waking its send
/// loop, so they leave with its next write (a request, a block) or, at the latest,
/// <see cref="Delay"/> later, when this client-wide flusher wakes the loops that still hold some.
/// A piece verified in a swarm of a hundred costs a have to each peer that lacks it; sent at once,
/// each was a write on one end, a wake-up and two reads on the other (measured in the demo: about
/// three writes in four). One timer for the whole client, armed only while something waits, so an
/// idle client costs nothing; a connection is listed once per wait.
/// </summary>
internal sealed class DeferredSends : IDisposable
{
    /// <summary>How long a have may wait for another write to ride with.</summary>
    public static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(250);

    private readonly ConcurrentQueue<PeerSendQueue> _waiting = new();
    private readonly ITimer _timer;
    private readonly Action<Exception> _fault;
    private int _armed;

    /// <summary>A flusher on <paramref name="time"/>'s clock; an exception while flushing goes to <paramref name="fault"/>.</summary>
    public DeferredSends(TimeProvider time, Action<Exception> fault)
    {
        _fault = fault;
        _timer = time.CreateTimer(_ => OnTimer(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Lists a queue that holds deferred messages; at most <see cref="Delay"/> later its send loop is woken.</summary>
    public void Add(PeerSendQueue queue)
    {
        _waiting.Enqueue(queue);
        // Enqueued before the flag is read: a tick that cleared the flag drains this queue, or we arm the next.
        if (Interlocked.Exchange(ref _armed, 1) == 0)
            _timer.Change(Delay, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Wakes the send loop of every queue listed before this call.</summary>
    public void Flush()
    {
        for (int n = _waiting.Count; n > 0 && _waiting.TryDequeue(out var queue); n--)
            queue.FlushDeferred();
    }

    private void OnTimer()
    {
        Volatile.Write(ref _armed, 0);
        try
        {
            Flush();
            if (!_waiting.IsEmpty && Interlocked.Exchange(ref _armed, 1) == 0)
                _timer.Change(Delay, Timeout.InfiniteTimeSpan);
        }
        catch (Exception e)
        {
            _fault(e);
        }
    }

    public void Dispose() => _timer.Dispose();
}

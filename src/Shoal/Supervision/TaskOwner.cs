namespace Shoal.Supervision;

/// <summary>
/// The owner of a group of background tasks (a torrent's dials, peers, piece jobs and sources; the
/// client's listeners and services): every task started through it is watched to its end. A task
/// that ends in an exception, other than a cancellation once <c>stopping</c> is cancelled, is a
/// fault, and the owner's handler hears of it (a torrent fails with the message, the client fails
/// loudly). <see cref="DrainAsync"/> awaits every task at shutdown. What a task expects (a peer
/// that goes away, a tracker that does not answer) it handles itself; the owner sees only the rest.
/// </summary>
internal sealed class TaskOwner(Action<string, Exception> onFault, CancellationToken stopping)
{
    private readonly Lock _lock = new();
    private readonly List<Task> _watches = [];
    private int _pruneAt = 16;

    /// <summary>Starts <paramref name="work"/> (it runs on the caller's thread until its first await) and owns it; a synchronous throw is a fault too.</summary>
    public void Start(string what, Func<Task> work)
    {
        Task task;
        try
        {
            task = work();
        }
        catch (Exception e)
        {
            task = Task.FromException(e);
        }
        Own(what, task);
    }

    /// <summary>Owns a task already started. Its end is looked at on the thread pool, never on the caller's thread (which may hold a lock).</summary>
    public void Own(string what, Task task)
    {
        var watch = task.ContinueWith(static (ended, state) =>
        {
            var (owner, what) = ((TaskOwner, string))state!;
            owner.Ended(ended, what);
        }, (this, what), CancellationToken.None, TaskContinuationOptions.DenyChildAttach, TaskScheduler.Default);
        lock (_lock)
        {
            if (_watches.Count >= _pruneAt)
            {
                _watches.RemoveAll(w => w.IsCompleted);
                _pruneAt = Math.Max(16, _watches.Count * 2);
            }
            _watches.Add(watch);
        }
    }

    private void Ended(Task task, string what)
    {
        if (task.Exception is not { } error)
            return; // ran to its end, or was cancelled
        var e = error.InnerExceptions.Count == 1 ? error.InnerExceptions[0] : error;
        if (e is OperationCanceledException && stopping.IsCancellationRequested)
            return;
        onFault(what, e); // a handler that throws faults the watch: DrainAsync (or the unobserved-task event) shows it
    }

    /// <summary>Waits until every owned task has ended and its end was looked at, including tasks started meanwhile.</summary>
    public async Task DrainAsync()
    {
        while (true)
        {
            Task[] watches;
            lock (_lock)
            {
                _watches.RemoveAll(w => w.IsCompleted && !w.IsFaulted);
                watches = [.. _watches];
                _watches.Clear();
            }
            if (watches.Length == 0)
                return;
            await Task.WhenAll(watches).ConfigureAwait(false);
        }
    }
}

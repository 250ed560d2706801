namespace Shoal.Net;

/// <summary>A cancellation that fires after a delay on the given clock, or when the outer token does.</summary>
internal sealed class Deadline : IDisposable
{
    private readonly CancellationTokenSource _timer;
    private readonly CancellationTokenSource _linked;

    public Deadline(TimeSpan delay, TimeProvider time, CancellationToken outer)
    {
        _timer = new CancellationTokenSource(delay, time);
        _linked = CancellationTokenSource.CreateLinkedTokenSource(outer, _timer.Token);
    }

    public CancellationToken Token => _linked.Token;

    public void Dispose()
    {
        _linked.Dispose();
        _timer.Dispose();
    }
}

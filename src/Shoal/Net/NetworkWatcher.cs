using System.Net.NetworkInformation;

namespace Shoal.Net;

/// <summary>
/// Notices when the machine's addresses change (an interface comes up, a laptop joins another
/// network) and reports it once the burst of changes has settled for <see cref="Settle"/>: one
/// call to <c>changed</c> per change, however many events the system sends for it.
/// </summary>
internal sealed class NetworkWatcher : IDisposable
{
    public static readonly TimeSpan Settle = TimeSpan.FromSeconds(2);
    private readonly TimeProvider _time;
    private readonly Action _changed;
    private readonly Lock _gate = new();
    private ITimer? _timer;
    private bool _listening;
    private bool _disposed;

    public NetworkWatcher(TimeProvider time, Action changed)
    {
        _time = time;
        _changed = changed;
    }

    /// <summary>Listens to the system's address-change events (netlink on Linux).</summary>
    public void Start()
    {
        NetworkChange.NetworkAddressChanged += OnSystemChange;
        _listening = true;
    }

    private void OnSystemChange(object? sender, EventArgs e) => Signal();

    /// <summary>An address changed: report it after <see cref="Settle"/> without another change.</summary>
    public void Signal()
    {
        lock (_gate)
        {
            if (_disposed)
                return;
            _timer ??= _time.CreateTimer(_ => Fire(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _timer.Change(Settle, Timeout.InfiniteTimeSpan);
        }
    }

    private void Fire()
    {
        lock (_gate)
        {
            if (_disposed)
                return;
        }
        _changed();
    }

    public void Dispose()
    {
        if (_listening)
            NetworkChange.NetworkAddressChanged -= OnSystemChange;
        lock (_gate)
        {
            _disposed = true;
            _timer?.Dispose();
        }
    }
}

namespace Shoal.Limits;

/// <summary>
/// A token bucket refilled continuously from the clock (no timer tick): every acquisition
/// computes the tokens earned since the last one. A caller that takes more than is there
/// drives the balance negative and waits exactly as long as the debt takes to repay, so the
/// long-run rate is the cap whatever the sizes asked for. Thread-safe; rate 0 means unlimited.
/// </summary>
public sealed class RateLimiter
{
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private long _rate;
    private double _tokens;
    private long _last;

    /// <summary>A limiter of <paramref name="bytesPerSecond"/> (0: no limit) on <paramref name="time"/>'s clock.</summary>
    public RateLimiter(long bytesPerSecond = 0, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _last = _time.GetTimestamp();
        Rate = bytesPerSecond;
    }

    /// <summary>Bytes per second; 0 or less for no limit.</summary>
    public long Rate
    {
        get => Volatile.Read(ref _rate);
        set
        {
            lock (_gate)
            {
                _rate = Math.Max(0, value);
                _tokens = Math.Min(_tokens, Burst);
            }
        }
    }

    /// <summary>True when no limit is set.</summary>
    public bool IsUnlimited => Rate <= 0;

    /// <summary>Largest saved-up allowance: a tenth of a second at the rate, at least one block.</summary>
    private double Burst => Math.Max(16 * 1024 + 64, _rate / 10.0);

    /// <summary>Takes <paramref name="bytes"/> tokens, waiting if the bucket is in debt.</summary>
    public ValueTask AcquireAsync(int bytes, CancellationToken cancellationToken)
    {
        TimeSpan wait;
        lock (_gate)
        {
            if (_rate <= 0)
                return ValueTask.CompletedTask;
            Refill();
            _tokens -= bytes;
            if (_tokens >= 0)
                return ValueTask.CompletedTask;
            wait = TimeSpan.FromSeconds(-_tokens / _rate);
        }
        return new ValueTask(Task.Delay(wait, _time, cancellationToken));
    }

    /// <summary>
    /// Takes up to <paramref name="wanted"/> tokens, at least <paramref name="minimum"/>: the
    /// amount a receive may read now. Returns after any wait the debt needs.
    /// </summary>
    public async ValueTask<int> AcquireUpToAsync(int wanted, int minimum, CancellationToken cancellationToken)
    {
        int take;
        lock (_gate)
        {
            if (_rate <= 0)
                return wanted;
            Refill();
            take = (int)Math.Clamp(_tokens, minimum, wanted);
        }
        await AcquireAsync(take, cancellationToken).ConfigureAwait(false);
        return take;
    }

    /// <summary>Returns tokens taken but not used (a receive that read less than it was allowed).</summary>
    public void Refund(int bytes)
    {
        if (bytes <= 0)
            return;
        lock (_gate)
        {
            if (_rate > 0)
                _tokens = Math.Min(_tokens + bytes, Burst);
        }
    }

    private void Refill()
    {
        long now = _time.GetTimestamp();
        double seconds = _time.GetElapsedTime(_last, now).TotalSeconds;
        _last = now;
        _tokens = Math.Min(Burst, _tokens + seconds * _rate);
    }
}

using Shoal.Limits;

namespace Shoal.Tests.Swarm;

public class RateLimiterTests
{
    /// <summary>A clock that moves only when told, with timers that fire as it passes them.</summary>
    private sealed class ManualTime : TimeProvider
    {
        private readonly List<(long Due, TimerCallback Callback, object? State)> _timers = [];
        private long _now;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public override long GetTimestamp() => _now;

        public void Advance(TimeSpan by)
        {
            _now += by.Ticks;
            foreach (var timer in _timers.Where(t => t.Due <= _now).ToList())
            {
                _timers.Remove(timer);
                timer.Callback(timer.State);
            }
        }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            _timers.Add((_now + dueTime.Ticks, callback, state));
            return new NoTimer();
        }

        private sealed class NoTimer : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;
            public void Dispose() { }
            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }

    [Fact]
    public async Task Over_a_long_run_the_rate_is_the_cap()
    {
        var time = new ManualTime();
        var limiter = new RateLimiter(100_000, time);
        long moved = 0;
        // Take 16 KiB blocks for 20 simulated seconds, as fast as the limiter lets us.
        var pending = limiter.AcquireAsync(16384, CancellationToken.None).AsTask();
        for (int tick = 0; tick < 2000; tick++)
        {
            while (pending.IsCompleted)
            {
                await pending;
                moved += 16384;
                pending = limiter.AcquireAsync(16384, CancellationToken.None).AsTask();
            }
            time.Advance(TimeSpan.FromMilliseconds(10));
        }
        double rate = moved / 20.0;
        Assert.InRange(rate, 90_000, 110_000);
    }

    [Fact]
    public void Unlimited_never_waits_and_a_new_cap_applies_at_once()
    {
        var time = new ManualTime();
        var limiter = new RateLimiter(0, time);
        for (int i = 0; i < 1000; i++)
            Assert.True(limiter.AcquireAsync(1 << 20, CancellationToken.None).AsTask().IsCompleted);
        limiter.Rate = 1000;
        time.Advance(TimeSpan.FromMinutes(1)); // fills the bucket to its burst, no further
        Assert.True(limiter.AcquireAsync(16448, CancellationToken.None).AsTask().IsCompleted);
        Assert.False(limiter.AcquireAsync(1000, CancellationToken.None).AsTask().IsCompleted);
    }
}

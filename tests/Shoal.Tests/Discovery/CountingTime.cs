using Microsoft.Extensions.Time.Testing;

namespace Shoal.Tests.Discovery;

/// <summary>The fake clock, counting the timers created on it, so a test advances only once the source waits.</summary>
internal sealed class CountingTime : TimeProvider
{
    private readonly FakeTimeProvider _fake = new();
    private int _timers;
    public int Timers => Volatile.Read(ref _timers);
    public void Advance(TimeSpan by) => _fake.Advance(by);
    public override DateTimeOffset GetUtcNow() => _fake.GetUtcNow();
    public override long GetTimestamp() => _fake.GetTimestamp();
    public override long TimestampFrequency => _fake.TimestampFrequency;
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        Interlocked.Increment(ref _timers);
        return _fake.CreateTimer(callback, state, dueTime, period);
    }
}


using Microsoft.Extensions.Time.Testing;
using Shoal.Swarm;

namespace Shoal.Tests.Swarm;

public class UploadSlotsTests
{
    private readonly FakeTimeProvider _time = new();
    private long _sent;

    /// <summary>One second passes in which <paramref name="rate"/> bytes are sent; then the slots hear of it.</summary>
    private bool Second(UploadSlots slots, long rate, int waiting, long cap = 0, int ceiling = 10_000)
    {
        _time.Advance(TimeSpan.FromSeconds(1));
        _sent += rate;
        return slots.Update(_time.GetTimestamp(), _sent, cap, waiting, Math.Min(slots.Count, 5000), ceiling);
    }

    [Fact]
    public void Many_slow_peers_get_a_slot_each_within_seconds_when_every_slot_adds_its_peers_rate()
    {
        // 5,000 leechers asking 8 KB/s each from a seed whose uplink has room for all of them.
        var slots = new UploadSlots(_time, 4);
        slots.Update(_time.GetTimestamp(), 0, 0, 5000, 0, 5000);
        for (int second = 0; second < 20 && slots.Count < 5000; second++)
            Second(slots, Math.Min(slots.Count, 5000) * 8000L, 5000, ceiling: 5000);
        Assert.Equal(5000, slots.Count);
    }

    [Fact]
    public void When_more_slots_send_no_more_they_go_back_and_hold_before_trying_again()
    {
        // An uplink full at 1 MB/s: past 8 slots, more peers only split it.
        var slots = new UploadSlots(_time, 4);
        long Uplink(int count) => Math.Min(count * 125_000L, 1_000_000);
        slots.Update(_time.GetTimestamp(), 0, 0, 100, 0, 100);
        var seen = new List<int>();
        for (int second = 0; second < 30; second++)
        {
            Second(slots, Uplink(slots.Count), 100, ceiling: 100);
            seen.Add(slots.Count);
        }
        Assert.Contains(16, seen); // it tried past the knee...
        Assert.True(seen.Count(c => c <= 16) >= 20, $"it settles at or near the knee, not at the ceiling: {string.Join(',', seen)}");
        Assert.DoesNotContain(100, seen);
    }

    [Fact]
    public void Under_an_upload_cap_slots_open_only_while_the_rate_is_below_nine_tenths_of_it()
    {
        var slots = new UploadSlots(_time, 4);
        slots.Update(_time.GetTimestamp(), 0, 0, 100, 0, 100);
        Assert.True(Second(slots, 500_000, 100, cap: 1_000_000));
        int count = slots.Count;
        Assert.False(Second(slots, 950_000, 100, cap: 1_000_000));
        Assert.Equal(count, slots.Count);
    }

    [Fact]
    public void With_nobody_waiting_the_slots_settle_to_those_in_use_and_never_under_the_floor()
    {
        var slots = new UploadSlots(_time, 4);
        slots.Update(_time.GetTimestamp(), 0, 0, 100, 0, 100);
        Second(slots, 0, 100);
        Assert.True(slots.Count > 4);
        _time.Advance(TimeSpan.FromSeconds(1));
        slots.Update(_time.GetTimestamp(), _sent, 0, waiting: 0, inUse: 2, ceiling: 100);
        Assert.Equal(4, slots.Count);
    }

    [Fact]
    public void Slots_never_pass_the_connection_limit()
    {
        var slots = new UploadSlots(_time, 4);
        slots.Update(_time.GetTimestamp(), 0, 0, 100, 0, 10);
        for (int second = 0; second < 10; second++)
            Second(slots, slots.Count * 100_000L, 100, ceiling: 10);
        Assert.Equal(10, slots.Count);
    }
}

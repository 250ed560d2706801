using Shoal.Net.Utp;

namespace Shoal.Tests.Net.Utp;

/// <summary>LEDBAT's window on made-up delay samples: it grows under the target, shrinks over it, halves on loss.</summary>
public class LedbatTests
{
    private const int Packet = 1000;
    private const uint Base = 3_000_000; // the peers' clock offset plus the path: any value works

    private static Ledbat Grown(out long now)
    {
        var ledbat = new Ledbat(Packet, 1 << 24);
        now = 1_000_000;
        for (int i = 0; i < 200; i++, now += 1000)
            ledbat.OnAck(Packet, Base, now, windowFull: true); // no queueing: slow start, then steady growth
        return ledbat;
    }

    [Fact]
    public void With_no_queueing_delay_the_window_grows_while_it_is_used_and_not_while_it_is_not()
    {
        var ledbat = Grown(out long now);
        double grown = ledbat.Window;
        Assert.True(grown > 50 * Packet, $"window {grown}");
        for (int i = 0; i < 100; i++, now += 1000)
            ledbat.OnAck(Packet, Base, now, windowFull: false);
        Assert.Equal(grown, ledbat.Window);
    }

    [Fact]
    public void Queueing_delay_over_the_100_ms_target_shrinks_the_window_down_to_two_packets()
    {
        var ledbat = Grown(out long now);
        double before = ledbat.Window;
        ledbat.OnAck(Packet, Base + 150_000, now, windowFull: true);
        Assert.True(ledbat.Window < before);
        Assert.Equal(150_000u, ledbat.QueueingDelay);
        for (int i = 0; i < 100_000; i++, now += 100)
            ledbat.OnAck(Packet, Base + 200_000, now, windowFull: true);
        Assert.Equal(ledbat.MinWindow, ledbat.Window);
        Assert.Equal(2 * Packet, ledbat.MinWindow);
    }

    [Fact]
    public void A_delay_at_the_target_holds_the_window_and_below_it_grows_it()
    {
        var ledbat = Grown(out long now);
        ledbat.OnAck(Packet, Base + 60_000, now, windowFull: true); // over half the target: slow start ends
        double held = ledbat.Window;
        ledbat.OnAck(Packet, Base + Ledbat.TargetMicros, now, windowFull: true);
        Assert.Equal(held, ledbat.Window, 6);
        ledbat.OnAck(Packet, Base + 10_000, now, windowFull: true);
        Assert.True(ledbat.Window > held);
    }

    [Fact]
    public void The_base_delay_is_the_lowest_of_the_last_two_minutes_so_an_old_low_sample_expires()
    {
        var ledbat = new Ledbat(Packet, 1 << 24);
        long now = 0;
        ledbat.OnAck(Packet, Base, now, windowFull: true);
        ledbat.OnAck(Packet, Base + 50_000, now += 1_000_000, windowFull: true);
        Assert.Equal(50_000u, ledbat.QueueingDelay);
        // Three minutes later the route got longer by 50 ms: that is the new base, not queueing.
        ledbat.OnAck(Packet, Base + 50_000, now += 180_000_000, windowFull: true);
        Assert.Equal(0u, ledbat.QueueingDelay);
    }

    [Fact]
    public void Timestamp_differences_that_wrap_around_zero_still_give_the_right_delay()
    {
        var ledbat = new Ledbat(Packet, 1 << 24);
        ledbat.OnAck(Packet, uint.MaxValue - 10_000, 0, windowFull: true);
        ledbat.OnAck(Packet, 20_000, 1000, windowFull: true); // 30 ms later, past the wrap
        Assert.Equal(30_001u, ledbat.QueueingDelay);
    }

    [Fact]
    public void Loss_halves_the_window_and_a_time_out_drops_it_to_one_packet()
    {
        var ledbat = Grown(out _);
        double before = ledbat.Window;
        ledbat.OnLoss();
        Assert.Equal(before / 2, ledbat.Window, 6);
        ledbat.OnTimeout();
        Assert.Equal(Packet, ledbat.Window);
    }
}

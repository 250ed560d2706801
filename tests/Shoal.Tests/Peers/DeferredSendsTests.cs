using Microsoft.Extensions.Time.Testing;
using Shoal.Peers;
using Shoal.Swarm;
using Shoal.Wire;

namespace Shoal.Tests.Peers;

/// <summary>Haves wait for another write or the flusher's tick, and nothing is lost or sent twice.</summary>
public class DeferredSendsTests
{
    private sealed class Wakes
    {
        public int Count;
        public void Signal() => Interlocked.Increment(ref Count);
    }

    private static DeferredSends NewFlusher(TimeProvider? time = null) =>
        new(time ?? new FakeTimeProvider(), e => Assert.Fail($"the flusher failed: {e}"));

    private static byte[] Taken(PeerSendQueue queue, List<BlockRequest>? blocks = null)
    {
        var control = queue.Take(new System.Buffers.ArrayBufferWriter<byte>(), blocks ?? [], 8);
        return control.WrittenSpan.ToArray();
    }

    private static byte[] Have(int piece)
    {
        var message = new byte[9];
        PeerWire.WriteIndex(message, MessageId.Have, piece);
        return message;
    }

    [Fact]
    public void A_have_does_not_wake_the_send_loop_and_leaves_with_the_next_message()
    {
        var wakes = new Wakes();
        var flusher = NewFlusher();
        var queue = new PeerSendQueue(wakes.Signal, _ => Assert.Fail("closed"), flusher);

        queue.SendIndex(MessageId.Have, 7, defer: true);
        queue.SendIndex(MessageId.Have, 8, defer: true);
        Assert.Equal(0, wakes.Count);
        queue.SendBlock(MessageId.Request, new BlockRequest(3, 0, 16384));
        Assert.Equal(1, wakes.Count);

        var request = new byte[17];
        PeerWire.WriteBlock(request, MessageId.Request, 3, 0, 16384);
        Assert.Equal([.. Have(7), .. Have(8), .. request], Taken(queue));
        flusher.Flush(); // the write took them: the tick has nothing to wake
        Assert.Equal(1, wakes.Count);
    }

    [Fact]
    public void The_flusher_wakes_a_queue_with_haves_waiting_once_per_wait()
    {
        var wakes = new Wakes();
        var flusher = NewFlusher();
        var queue = new PeerSendQueue(wakes.Signal, _ => Assert.Fail("closed"), flusher);

        for (int piece = 0; piece < 5; piece++)
            queue.SendIndex(MessageId.Have, piece, defer: true);
        flusher.Flush();
        Assert.Equal(1, wakes.Count);
        Assert.Equal(45, Taken(queue).Length);
        flusher.Flush();
        Assert.Equal(1, wakes.Count); // listed once, flushed once

        queue.SendIndex(MessageId.Have, 9, defer: true);
        flusher.Flush();
        Assert.Equal(2, wakes.Count);
        Assert.Equal(Have(9), Taken(queue));
    }

    [Fact]
    public void Without_a_flusher_a_have_is_sent_at_once()
    {
        var wakes = new Wakes();
        var queue = new PeerSendQueue(wakes.Signal, _ => Assert.Fail("closed"));
        queue.SendIndex(MessageId.Have, 4, defer: true);
        Assert.Equal(1, wakes.Count);
        Assert.Equal(Have(4), Taken(queue));
    }

    [Fact]
    public async Task The_flusher_wakes_a_waiting_queue_one_delay_after_its_first_have_and_is_idle_otherwise()
    {
        var time = new FakeTimeProvider();
        var wakes = new Wakes();
        using var flusher = NewFlusher(time);
        var queue = new PeerSendQueue(wakes.Signal, _ => Assert.Fail("closed"), flusher);

        time.Advance(DeferredSends.Delay * 4); // nothing waits: nothing to wake
        Assert.Equal(0, wakes.Count);
        queue.SendIndex(MessageId.Have, 1, defer: true);
        time.Advance(DeferredSends.Delay - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, wakes.Count);
        time.Advance(TimeSpan.FromMilliseconds(1));
        await Engine.EngineHarness.WaitUntilAsync(() => Volatile.Read(ref wakes.Count) == 1, 10, "the timer to wake the send loop");
        Taken(queue);

        queue.SendIndex(MessageId.Have, 2, defer: true); // the timer is armed again for the next wait
        time.Advance(DeferredSends.Delay);
        await Engine.EngineHarness.WaitUntilAsync(() => Volatile.Read(ref wakes.Count) == 2, 10, "the second wait's wake-up");
        Assert.Equal(Have(2), Taken(queue));
    }

    [Fact]
    public void Haves_past_the_backlog_bound_close_the_peer_that_never_reads()
    {
        string? closed = null;
        var queue = new PeerSendQueue(() => { }, reason => closed = reason, NewFlusher());
        for (int piece = 0; closed is null && piece < PeerSendQueue.MaxControlBacklog; piece++)
            queue.SendIndex(MessageId.Have, piece, defer: true);
        Assert.Contains("does not read", closed);
    }
}

using Shoal.Net.Utp;

namespace Shoal.Tests.Net.Utp;

/// <summary>uTP connections between two multiplexers over loopback: setup, data both ways, loss, close, and no answer.</summary>
public class UtpSocketTests
{
    /// <summary>Writes <paramref name="data"/> on one end and reads it all on the other; asserts it arrived whole and in order.</summary>
    internal static async Task TransferAsync(UtpSocket from, UtpSocket to, byte[] data, CancellationToken token)
    {
        var got = new byte[data.Length];
        var write = Task.Run(async () =>
        {
            for (int at = 0; at < data.Length; at += 100_000)
                await from.WriteAsync(data.AsMemory(at, Math.Min(100_000, data.Length - at)), token);
        }, token);
        int have = 0;
        while (have < got.Length)
        {
            int n = await to.ReadAsync(got.AsMemory(have), token);
            Assert.True(n > 0, $"the stream ended after {have} of {got.Length} bytes");
            have += n;
        }
        await write;
        Assert.Equal(data, got);
    }

    [Fact]
    public async Task A_connection_carries_four_mebibytes_each_way_at_once_in_order()
    {
        await using var pair = new UtpPair();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var (a, b) = await pair.ConnectAsync(cts.Token);
        await Task.WhenAll(
            TransferAsync(a, b, TestData.Random(4 << 20, 1), cts.Token),
            TransferAsync(b, a, TestData.Random(4 << 20, 2), cts.Token));
    }

    [Fact]
    public async Task With_one_datagram_in_ten_lost_each_way_every_byte_still_arrives_in_order()
    {
        await using var pair = new UtpPair();
        var random = new Random(7);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var (a, b) = await pair.ConnectAsync(cts.Token);
        bool Lossy(ReadOnlyMemory<byte> _)
        {
            lock (random)
                return random.Next(10) != 0;
        }
        pair.A.SendFilter = Lossy;
        pair.B.SendFilter = Lossy;
        await Task.WhenAll(
            TransferAsync(a, b, TestData.Random(1 << 20, 3), cts.Token),
            TransferAsync(b, a, TestData.Random(256 << 10, 4), cts.Token));
    }

    [Fact]
    public async Task Close_after_everything_was_acknowledged_ends_the_peers_stream_with_a_fin()
    {
        await using var pair = new UtpPair();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var (a, b) = await pair.ConnectAsync(cts.Token);
        await TransferAsync(a, b, TestData.Random(50_000, 5), cts.Token);
        await EngineWait(() => a.AllAcknowledged);
        a.Close();
        Assert.Equal(0, await b.ReadAsync(new byte[10], cts.Token));
        Assert.Equal(0, pair.A.Count);
    }

    [Fact]
    public async Task Close_with_data_still_unacknowledged_resets_the_peer()
    {
        await using var pair = new UtpPair();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var (a, b) = await pair.ConnectAsync(cts.Token);
        pair.B.SendFilter = _ => false; // B's acks are lost, so A's data stays unacknowledged
        await a.WriteAsync(TestData.Random(50_000, 6), cts.Token);
        a.Close();
        var buffer = new byte[100_000];
        var reset = await Assert.ThrowsAsync<IOException>(async () =>
        {
            while (await b.ReadAsync(buffer, cts.Token) > 0)
            {
            }
        });
        Assert.Contains("reset", reset.Message);
    }

    [Fact]
    public async Task A_dial_nobody_answers_fails_after_three_syns_on_the_clock()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        await using var pair = new UtpPair(time);
        pair.B.SendFilter = _ => false; // B hears the SYNs but its answers are lost
        var socket = pair.A.Dial(pair.AddressB);
        await Engine.EngineHarness.WaitUntilAsync(() => pair.B.Count == 1, 10, "the first SYN to arrive");
        time.Advance(TimeSpan.FromSeconds(1));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(socket.Connected.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        var error = await Assert.ThrowsAsync<IOException>(() => socket.Connected.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("3 SYNs", error.Message);
        Assert.Equal(0, pair.A.Count);
    }

    [Fact]
    public async Task A_dial_closed_before_any_answer_leaves_no_failed_task_unobserved()
    {
        var unobserved = new List<Exception>();
        EventHandler<UnobservedTaskExceptionEventArgs> watch = (_, e) =>
        {
            if (e.Exception.InnerExceptions.Any(x => x.Message.Contains(nameof(UtpSocket))))
                lock (unobserved)
                    unobserved.Add(e.Exception);
        };
        TaskScheduler.UnobservedTaskException += watch;
        try
        {
            await using (var pair = new UtpPair())
            {
                pair.B.SendFilter = _ => false; // B's answers are lost: the dial stays unanswered
                DialAndCloseUnanswered(pair);
            }
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= watch;
        }
        lock (unobserved)
            Assert.Empty(unobserved);
    }

    /// <summary>In its own frame, so that nothing on the test's stack keeps the socket's task alive for the collector.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void DialAndCloseUnanswered(UtpPair pair)
    {
        var socket = pair.A.Dial(pair.AddressB);
        socket.Close();
        Assert.True(socket.Connected.IsFaulted);
    }

    private static Task EngineWait(Func<bool> condition) => Engine.EngineHarness.WaitUntilAsync(condition, 10, "the condition");
}

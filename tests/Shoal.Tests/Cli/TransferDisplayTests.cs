using System.Text;
using Microsoft.Extensions.Time.Testing;
using Shoal.Cli;
using Shoal.Tests.Engine;

namespace Shoal.Tests.Cli;

public class TransferDisplayTests
{
    /// <summary>A stream that keeps what is written, readable from another thread.</summary>
    private sealed class Sink : Stream
    {
        private readonly StringBuilder _text = new();
        public string Text { get { lock (_text) return _text.ToString(); } }
        public override void Write(byte[] buffer, int offset, int count) { lock (_text) _text.Append(Encoding.UTF8.GetString(buffer, offset, count)); }
        public override void Write(ReadOnlySpan<byte> buffer) { lock (_text) _text.Append(Encoding.UTF8.GetString(buffer)); }
        public override void WriteByte(byte value) => Write([value]);
        public override void Flush() { }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }

    [Fact]
    public async Task A_json_line_is_written_for_a_state_change_when_it_happens_without_waiting_for_the_next_second()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 100_000)]);
        var client = await h.ClientAsync();
        var session = client.Add(torrent, seedDir);
        var sink = new Sink();
        var display = new TransferDisplay(json: true, jsonOutput: sink, time: new FakeTimeProvider()); // its second never passes
        display.Watch([session]);
        var until = new TaskCompletionSource();
        var run = display.RunAsync([session], until.Task);
        await EngineHarness.WaitUntilAsync(() => sink.Text.Contains("\"state\":\"stopped\""), 20, "the first status line");

        await session.StartAsync();
        await EngineHarness.WaitUntilAsync(() => sink.Text.Contains("\"state\":\"seeding\""), 20, "a line for the seeding state: " + sink.Text);
        until.SetResult();
        await run;
    }

    private static TorrentStatus Status(TorrentState state, long verified, long wanted) =>
        new("data", "00", state, wanted == 0 ? 0 : (double)verified / wanted, verified, wanted, wanted, 0, 0, 0, 0, 0, 0, null, null, null);

    [Fact]
    public void A_magnet_before_its_metadata_reads_as_fetching_metadata_not_as_a_percentage_of_nothing()
    {
        string line = TransferDisplay.Describe(Status(TorrentState.AwaitingMetadata, 0, 0) with { HasMetadata = false, MetadataPeers = 3 });
        Assert.Contains("metadata (asked 3 peers) 0% of a size not known yet (fetching metadata)", line, StringComparison.Ordinal);
        Assert.DoesNotContain("0 B/0 B", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Checking_shows_how_much_of_the_data_is_hashed_and_json_carries_it()
    {
        var status = Status(TorrentState.Checking, 0, 1 << 20) with { HasMetadata = true, CheckProgress = 0.42 };
        Assert.Contains("data: checking 42% hashed 0.0%", TransferDisplay.Describe(status), StringComparison.Ordinal);
        using var json = new MemoryStream();
        TransferDisplay.WriteJson(json, status);
        Assert.Contains("\"checkProgress\":0.42", Encoding.UTF8.GetString(json.ToArray()), StringComparison.Ordinal);
    }
}

using Shoal.Storage;

namespace Shoal.Tests.Storage;

public class AtomicFileTests
{
    [Fact]
    public async Task Writers_on_many_threads_at_once_all_succeed_and_leave_one_whole_payload_and_no_temporary_file()
    {
        string dir = TestData.TempDir();
        string path = Path.Combine(dir, "list.json");
        byte[][] payloads = [.. Enumerable.Range(0, 8).Select(i => TestData.Random(256, seed: i))];

        // Eight threads, each writing its own payload many times: with one shared temporary name a writer
        // finds its file renamed away by another (as the daemon's RPC and its queue tick did, saving together).
        var writers = payloads.Select(p => Task.Factory.StartNew(() =>
        {
            for (int round = 0; round < 300; round++)
                AtomicFile.Write(path, p);
        }, TaskCreationOptions.LongRunning));
        await Task.WhenAll(writers);

        byte[] written = File.ReadAllBytes(path);
        Assert.Contains(payloads, p => p.AsSpan().SequenceEqual(written));
        Assert.Equal(["list.json"], Directory.GetFiles(dir).Select(Path.GetFileName));
    }
}

using System.Net;
using Shoal.Metainfo;

namespace Shoal.Tests.Engine;

/// <summary>Builds sample data and torrents, and clients listening on 127.0.0.1, for loopback swarms.</summary>
internal sealed class EngineHarness : IAsyncDisposable
{
    private readonly List<ShoalClient> _clients = [];

    public string Root { get; } = TestData.TempDir();

    /// <summary>Writes <paramref name="files"/> (relative path, size) under a fresh folder named <paramref name="name"/>, and builds a torrent of it.</summary>
    public async Task<(Torrent Torrent, string SeedDir)> CreateAsync(string name, (string Path, int Size)[] files,
        TorrentVersion version = TorrentVersion.V1, int pieceLength = 32 * 1024, int seed = 1, IReadOnlyList<IReadOnlyList<string>>? trackers = null)
    {
        string seedDir = Path.Combine(Root, "seed-" + Guid.NewGuid().ToString("N")[..8]);
        string target = Path.Combine(seedDir, name);
        if (files.Length == 1 && files[0].Path == name)
        {
            TestData.WriteFile(target, TestData.Random(files[0].Size, seed));
        }
        else
        {
            int i = 0;
            foreach (var (path, size) in files)
                TestData.WriteFile(Path.Combine(target, path), TestData.Random(size, seed + i++));
        }
        var builder = new TorrentBuilder { Version = version, PieceLength = pieceLength, Trackers = trackers ?? [] };
        var torrent = await builder.BuildAsync(target);
        return (torrent, seedDir);
    }

    public async Task<ShoalClient> ClientAsync(Func<ShoalClientOptions, ShoalClientOptions>? configure = null)
    {
        var options = new ShoalClientOptions
        {
            ListenAddresses = [IPAddress.Loopback],
            ResumeDirectory = Path.Combine(Root, "resume-" + Guid.NewGuid().ToString("N")[..8]),
            UdpTrackerTimeout = TimeSpan.FromSeconds(1),
        };
        var client = new ShoalClient(configure?.Invoke(options) ?? options);
        await client.StartAsync();
        _clients.Add(client);
        return client;
    }

    public string NewDir(string prefix = "leech")
    {
        string dir = Path.Combine(Root, prefix + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Mounts a tmpfs (root only) on a fresh folder; dispose to unmount.</summary>
    public async Task<Mounted> MountTmpfsAsync(string options, string prefix = "tmpfs")
    {
        string dir = NewDir(prefix);
        var mount = await Common.ProcessRunner.Run("mount", ["-t", "tmpfs", "-o", options, "tmpfs", dir]);
        Assert.True(mount.ExitCode == 0, $"cannot mount a tmpfs (the test needs root): {mount}");
        return new Mounted(dir);
    }

    public sealed record Mounted(string Path) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await Common.ProcessRunner.Run("umount", [Path]);
    }

    public static IPEndPoint EndPoint(ShoalClient client) => new(IPAddress.Loopback, client.ListenPort);

    /// <summary>Waits for a torrent to finish, failing with its status if it does not within the deadline.</summary>
    public static async Task WaitCompleteAsync(TorrentSession session, int seconds = 60)
    {
        var done = await Task.WhenAny(session.Completed, Task.Delay(TimeSpan.FromSeconds(seconds)));
        Assert.True(done == session.Completed, $"not complete after {seconds}s: {session.GetStatus()}");
    }

    /// <summary>Polls <paramref name="condition"/> until true or the deadline passes.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, int seconds, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }

    public static void AssertSameFiles(Torrent torrent, string expectedDir, string actualDir, Func<TorrentFile, bool>? which = null)
    {
        foreach (var file in torrent.Files.Where(f => !f.IsPadding && (which?.Invoke(f) ?? true)))
        {
            string expected = Path.Combine([expectedDir, .. file.PathComponents]);
            string actual = Path.Combine([actualDir, .. file.PathComponents]);
            Assert.True(File.Exists(actual), $"missing {actual}");
            Assert.True(File.ReadAllBytes(expected).AsSpan().SequenceEqual(File.ReadAllBytes(actual)), $"{file.Path} differs");
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
            await client.DisposeAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

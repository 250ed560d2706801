using Shoal.Tests.Common;

namespace Shoal.Interop.Tests;

/// <summary>BEP 19 web seeds against real HTTP servers and a real client: Debian's busybox httpd (it serves ranges) and libtorrent.</summary>
public class WebSeedInteropTests
{
    /// <summary>busybox httpd serving <paramref name="folder"/> on 127.0.0.1; its URL ends in '/'.</summary>
    private static async Task<(BackgroundProcess Server, string Url)> BusyboxAsync(SwarmInterop swarm, string folder)
    {
        await ProcessRunner.Run("chmod", ["-R", "a+rX", swarm.Root]);
        var (server, port) = await BackgroundProcess.StartOnSomePortAsync(port =>
            BackgroundProcess.Start(ProcessRunner.Require("busybox"), ["httpd", "-f", "-p", $"127.0.0.1:{port}", "-h", folder]));
        return (server, $"http://127.0.0.1:{port}/");
    }

    /// <summary>A multi-file torrent (a folder with a space in a name) made by `shoal create --web-seed URL`, and its data.</summary>
    private static async Task<(string Torrent, string SeedDir, BackgroundProcess Server)> WebSeededAsync(SwarmInterop swarm, string version)
    {
        var (_, seedDir) = await swarm.SampleAsync("web data", multi: true, size: 2_000_000);
        var (server, url) = await BusyboxAsync(swarm, seedDir);
        string torrent = Path.Combine(swarm.Root, $"web-{version}.torrent");
        var args = new List<string> { "create", Path.Combine(seedDir, "web data"), "-o", torrent, "--piece-size", "32KiB", "--web-seed", url };
        if (version != "v1")
            args.Add("--" + version);
        await Reference.CheckedShoal([.. args]);
        return (torrent, seedDir, server);
    }

    [Theory]
    [InlineData("v1")]
    [InlineData("hybrid")]
    public async Task Shoal_gets_a_torrent_from_busybox_httpd_alone(string version)
    {
        using var swarm = new SwarmInterop();
        var (torrent, seedDir, server) = await WebSeededAsync(swarm, version);
        using var _ = server;
        string dir = swarm.Dir("leech");
        await swarm.ShoalGetAsync(torrent, dir); // no tracker, no peer: only the web seed
        SwarmInterop.AssertSame(seedDir, dir);
    }

    [Fact]
    public async Task Libtorrent_completes_from_a_torrent_made_by_shoal_create_with_a_web_seed_and_no_peer()
    {
        using var swarm = new SwarmInterop();
        var (torrent, seedDir, server) = await WebSeededAsync(swarm, "v1");
        using var _ = server;
        string dir = swarm.Dir("lt-leech");
        var (leecher, _) = await swarm.LibtorrentAsync("leech", torrent, dir, "--exit-when-done");
        await SwarmInterop.WaitLibtorrentDoneAsync(leecher);
        SwarmInterop.AssertSame(seedDir, dir);
    }
}

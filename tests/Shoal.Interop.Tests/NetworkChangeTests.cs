using Shoal.Metainfo;

namespace Shoal.Interop.Tests;

/// <summary>The daemon on a host whose address comes and goes, inside the test's own network namespaces.</summary>
public class NetworkChangeTests
{
    [Fact]
    public async Task When_an_address_appears_the_daemon_announces_at_once_to_its_tracker_and_on_the_lan()
    {
        using var swarm = new SwarmInterop();
        using var lab = await NetworkLab.CreateAsync(2);
        var tracker = lab.Run(1, "dotnet", [Path.Combine(AppContext.BaseDirectory, "shoal.dll"), "tracker", "--bind", lab.Address(1), "--port", "0"],
            new Dictionary<string, string> { ["SHOAL_STATE_DIR"] = swarm.Dir("tracker-state") });
        int trackerPort = await tracker.ShoalTrackerPortAsync();
        var watcher = lab.Run(1, "/usr/bin/python3", [Path.Combine(AppContext.BaseDirectory, "Scripts", "lsd_watch.py"), lab.Address(1)]);
        await watcher.WaitForLineAsync(l => l == "ready", TimeSpan.FromSeconds(30), "the LSD watcher");
        var (torrent, _) = await swarm.SampleAsync("roaming");
        SwarmInterop.SetTracker(torrent, $"http://{lab.Address(1)}:{trackerPort}/announce");
        string hash = TorrentParser.Load(torrent).InfoHashes.V1!.Value.ToHex();

        await lab.RemoveAddressAsync(2); // the laptop is away from the office
        var (daemon, rpc) = await DaemonProcess.StartInLabAsync(swarm, lab, 2);
        async Task<string> RemoteAsync(params string[] args)
        {
            var result = await lab.RunToEndAsync(2, "transmission-remote", [rpc, .. args]);
            Assert.True(result.ExitCode == 0, $"transmission-remote {string.Join(' ', args)}: {result}\ndaemon:\n{daemon.Output}");
            return result.Stdout;
        }
        async Task<string> WaitTrackersAsync(Func<string, bool> match, int seconds, string what)
        {
            var deadline = DateTime.UtcNow.AddSeconds(seconds);
            while (true)
            {
                string output = await RemoteAsync("-t", "1", "-it");
                if (match(output))
                    return output;
                Assert.True(DateTime.UtcNow < deadline, $"never {what}:\n{output}\ndaemon:\n{daemon.Output}");
                await Task.Delay(250);
            }
        }

        await RemoteAsync("-a", torrent);
        await WaitTrackersAsync(o => o.Contains("Got an error"), 30, "a failed announce while away");

        var back = DateTime.UtcNow;
        await lab.AddAddressAsync(2); // back in the office
        // The tracker's back-off after a first failure is 30 s: an announce within 15 s is the network change's.
        await WaitTrackersAsync(o => o.Contains("Got a list of"), 15, "an announce on the new network");
        await watcher.WaitForLineAsync(l => l.Contains(hash) && l.Contains(lab.Address(2)), TimeSpan.FromSeconds(15) - (DateTime.UtcNow - back), "an LSD announce on the new network");
        Assert.Contains("the network changed", daemon.Output);
    }
}

using System.CommandLine;
using System.Net;
using System.Runtime.InteropServices;
using Shoal.Tracker;

namespace Shoal.Cli.Commands;

public static class TrackerCommand
{
    public static Command Build()
    {
        var bind = new Option<string[]>("--bind") { Description = "Serve on this address (repeatable; default 127.0.0.1 and ::1). HTTP and UDP share it." };
        var port = new Option<int>("--port") { Description = "Port for HTTP and UDP.", DefaultValueFactory = _ => 6969 };
        var allowList = new Option<string?>("--allow-list") { Description = "Serve only the info-hashes in FILE (40 hex digits a line); reloaded when it changes." };
        var interval = new Option<string>("--interval") { Description = "Announce interval told to clients (e.g. 30m).", DefaultValueFactory = _ => "30m" };
        var trustIp = new Option<bool>("--trust-ip") { Description = "Use the announce's ip= parameter (only behind a proxy you trust)." };
        var noFullScrape = new Option<bool>("--no-full-scrape") { Description = "Refuse /scrape without an info_hash." };
        var state = new Option<string?>("--state") { Description = "Keep completed counts in FILE across restarts (saved every minute and on stop)." };
        var sites = new Option<string?>("--sites") { Description = "Site map: lines 'CIDR NAME'; peers of the announcer's site come first (default: same /24 or /64)." };
        var command = new Command("tracker", "Run a BitTorrent tracker (HTTP and UDP) until Ctrl-C or SIGTERM.")
        {
            bind, port, allowList, interval, trustIp, noFullScrape, sites, state,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            int p = parse.GetValue(port);
            if (p is < 1 or > 65535)
                throw new UsageException("--port must be 1-65535");
            var addresses = parse.GetValue(bind) is { Length: > 0 } given
                ? [.. given.Select(b => IPAddress.TryParse(b, out var a) ? a : throw new UsageException($"--bind: '{b}' is not an IP address"))]
                : new[] { IPAddress.Loopback, IPAddress.IPv6Loopback };
            string? list = parse.GetValue(allowList);
            if (list is not null && !File.Exists(list))
                throw new FileNotFoundException($"no such allow-list: {list}");
            var every = CliParsing.Duration(parse.GetValue(interval)!, "--interval");
            if (every < TimeSpan.FromSeconds(1) || every > TimeSpan.FromDays(1))
                throw new UsageException("--interval must be from 1 s to 1 day");
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                stop.Cancel();
            });
            await using var server = new TrackerServer(new TrackerOptions
            {
                Bind = addresses,
                Port = p,
                AllowListPath = list,
                StatePath = parse.GetValue(state),
                SitesPath = parse.GetValue(sites) is { } siteFile ? (File.Exists(siteFile) ? siteFile : throw new FileNotFoundException($"no such site file: {siteFile}")) : null,
                Interval = every,
                MinInterval = every < TimeSpan.FromMinutes(1) ? every : TimeSpan.FromMinutes(1),
                TrustIpParameter = parse.GetValue(trustIp),
                FullScrape = !parse.GetValue(noFullScrape),
            });
            try
            {
                await server.StartAsync();
            }
            catch (IOException e)
            {
                throw new IOException($"cannot serve on port {p}: {e.Message}");
            }
            catch (System.Net.Sockets.SocketException e)
            {
                throw new IOException($"cannot serve on port {p}: {e.Message}");
            }
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
            return CommandRunner.Success;
        });
        return command;
    }
}

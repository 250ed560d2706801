using System.CommandLine;
using Microsoft.Extensions.Logging;
using Shoal.Daemon;

namespace Shoal.Cli.Commands;

/// <summary>`shoal daemon`: the long-running service, driven through Transmission's RPC.</summary>
public static class DaemonCommand
{
    public static Command Build()
    {
        var state = new Option<string?>("--state") { Description = "State folder: settings.json, the torrents, resume data (default: $STATE_DIRECTORY, else the state folder)." };
        var rpcPort = new Option<int?>("--rpc-port") { Description = "RPC port (overrides rpc-port in settings.json; 0: any free port, named in the start line)." };
        var rpcBind = new Option<string?>("--rpc-bind") { Description = "RPC address (overrides rpc-bind-address; default 127.0.0.1)." };
        var logLevel = new Option<string?>("--log-level") { Description = "Log at or above: trace, debug, info (default), warning, error, none." };
        var siteMap = new Option<string?>("--site-map") { Description = "Sites file (lines 'CIDR NAME', as the tracker's --sites): peers of our own site are preferred (default: our /24 or /64)." };
        var command = new Command("daemon", "Run Shoal as a service, driven through Transmission's RPC, until SIGTERM, Ctrl-C or session-close.")
        {
            state, rpcPort, rpcBind, logLevel, siteMap,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(rpcPort) is < 0 or > 65535)
                throw new UsageException("--rpc-port must be 0-65535");
            var sites = parse.GetValue(siteMap) is { } map ? PeerOptions.LoadSites(map) : SiteMap.Default;
            var level = parse.GetValue(logLevel) is { } text ? CliLog.ParseLevel(text) : LogLevel.Information;
            // systemd gives its StateDirectory= as $STATE_DIRECTORY.
            string? unit = Environment.GetEnvironmentVariable("STATE_DIRECTORY");
            string folder = parse.GetValue(state)
                ?? (string.IsNullOrEmpty(unit) ? ShoalClientOptions.DefaultStateDirectory("daemon") : unit.Split(':')[0]);
            // ASP.NET Core's line per request (the web page asks every 1.5 s) only when debugging.
            var web = level <= LogLevel.Debug ? level : LogLevel.Warning;
            // The host's own errors are a failure to start (a port in use: we say it in one line, below)
            // or a background service's exception, which it reports again as critical.
            using var loggers = LoggerFactory.Create(b => b.AddSystemdConsole(o => o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss ")
                .SetMinimumLevel(level).AddFilter("Microsoft.AspNetCore", web).AddFilter("Microsoft.Hosting", web)
                .AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical));
            await DaemonHost.RunAsync(new DaemonHost.Options(folder, parse.GetValue(rpcPort), parse.GetValue(rpcBind), sites), loggers, cancellationToken);
            return CommandRunner.Success;
        });
        return command;
    }
}

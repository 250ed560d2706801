using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Shoal.Dht;
using Shoal.Discovery;

namespace Shoal.Daemon;

/// <summary>
/// `shoal daemon`: the engine with its torrents brought back from the state folder, and
/// Transmission's RPC on Kestrel (127.0.0.1:9091 unless settings or options say otherwise), on
/// Microsoft.Extensions.Hosting, until SIGTERM, Ctrl-C or session-close.
/// </summary>
public static class DaemonHost
{
    public sealed record Options(string StateDirectory, int? RpcPort = null, string? RpcBind = null, SiteMap? Sites = null);

    public static async Task RunAsync(Options options, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        string state = Path.GetFullPath(options.StateDirectory);
        Directory.CreateDirectory(state);
        var settings = DaemonSettings.Load(Path.Combine(state, "settings.json"));
        if (!File.Exists(settings.Path))
            settings.Save(); // the defaults, written out for the user to edit
        if (settings.RpcPassword.Length > 0 && !PasswordHash.IsHashed(settings.RpcPassword))
        {
            settings.RpcPassword = PasswordHash.Hash(settings.RpcPassword); // a password written by hand is kept hashed from now on
            settings.Save();
        }
        if (options.RpcPort is int port)
            settings.RpcPort = port;
        if (options.RpcBind is { } bind)
            settings.RpcBindAddress = bind;
        if (!IPAddress.TryParse(settings.RpcBindAddress, out var rpcAddress))
            throw new InvalidDataException($"rpc-bind-address '{settings.RpcBindAddress}' is not an IP address");

        await using var client = new ShoalClient(new ShoalClientOptions
        {
            Port = settings.PeerPort,
            MaxConnections = settings.PeerLimitGlobal,
            ResumeDirectory = Path.Combine(state, "resume"),
            Dht = settings.DhtEnabled ? new DhtOptions { StateFile = Path.Combine(state, "dht.dat"), Bootstrap = settings.DhtBootstrap } : null,
            Lsd = settings.LpdEnabled ? new LsdOptions() : null,
            PeerExchange = settings.PexEnabled,
            LoggerFactory = loggers,
            WatchNetwork = true,
            Encryption = settings.EncryptionPolicy,
            Transport = settings.UtpEnabled ? TransportPolicy.Both : TransportPolicy.Tcp,
            Sites = options.Sites ?? SiteMap.Default,
        });
        await client.StartAsync().ConfigureAwait(false);
        (client.DownloadLimit.Rate, client.UploadLimit.Rate) = settings.EffectiveLimits();
        var logger = loggers.CreateLogger("Shoal.Daemon");
        client.NetworkChanged += () => DaemonLog.NetworkChanged(logger, client.Torrents.Count);
        var book = new TorrentBook(client, state, TimeProvider.System, logger) { PeerLimitPerTorrent = settings.PeerLimitPerTorrent };
        await book.LoadAsync().ConfigureAwait(false);
        using var queue = new DaemonQueue(book, settings, client, TimeProvider.System, logger);
        using var channels = new ChannelFollower(settings, book, queue, client, state, TimeProvider.System, logger);
        channels.Load();

        // No appsettings.json reload: watching for one would watch the working directory and
        // every directory under it (thousands of inotify watches when started in / or a home).
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Services.AddSystemd(); // under systemd: Type=notify readiness and stopping, journal-friendly lines
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggers); // ASP.NET Core's lines go where the engine's go
        builder.WebHost.ConfigureKestrel(k => k.Listen(rpcAddress, settings.RpcPort));
        await using var app = builder.Build();
        var gate = new RpcGate(settings);
        var server = new RpcServer(settings, book, queue, client, channels, gate, () => app.Lifetime.StopApplication());
        app.MapMethods("/transmission/rpc", ["GET", "POST"], server.HandleAsync); // routing matches the trailing slash too
        app.MapGet("/metrics", new DaemonMetrics(gate, book, channels, client).HandleAsync);
        var page = new WebPage(gate);
        foreach (string path in WebPage.Paths)
            app.MapGet(path, page.HandleAsync);
        if (TransmissionWebUi.Find() is { } webHome)
        {
            var transmissionWeb = new TransmissionWebUi(webHome, gate);
            app.MapGet("/transmission/web", transmissionWeb.HandleAsync);
            app.MapGet(TransmissionWebUi.Prefix + "{**path}", transmissionWeb.HandleAsync);
        }
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        string url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        DaemonLog.Started(logger, url, client.ListenPort, state);
        using var stop = cancellationToken.Register(() => app.Lifetime.StopApplication());
        var watching = settings.WatchDirEnabled && settings.WatchDir.Length > 0
            ? new WatchFolder(settings.WatchDir, book, queue, settings, logger, TimeProvider.System).RunAsync(app.Lifetime.ApplicationStopping)
            : Task.CompletedTask;
        var queueing = queue.RunAsync(app.Lifetime.ApplicationStopping);
        var following = channels.RunAsync(app.Lifetime.ApplicationStopping);
        await app.WaitForShutdownAsync(CancellationToken.None).ConfigureAwait(false);
        await watching.ConfigureAwait(false);
        await following.ConfigureAwait(false);
        await queueing.ConfigureAwait(false);
        book.Save();
    }
}

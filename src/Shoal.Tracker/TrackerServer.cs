using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Shoal.Tracker;

/// <summary>
/// The tracker: HTTP /announce and /scrape (and the views of TrackerServer.Views) on Kestrel, and
/// BEP 15 UDP on the same port, for every bind address. Swarms live in this process (<see cref="SwarmRegistry"/>)
/// or in Redis (<see cref="RedisSwarmStore"/>), where several tracker processes share them.
/// </summary>
public sealed partial class TrackerServer : IAsyncDisposable
{
    private const int MaxFullScrape = 10_000;
    private const int RemoteStoreUdpThreads = 16;
    private readonly TrackerOptions _options;
    private readonly List<Socket> _udp = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _loops = [];
    private readonly List<Thread> _threads = [];
    private WebApplication? _web;
    private volatile HashSet<InfoHashKey>? _allowList;
    private DateTime _allowListTime;
    private ILogger? _log;

    public TrackerServer(TrackerOptions options)
    {
        _options = options;
        var peerTimeout = options.Interval + options.Interval / 2;
        var siteMap = options.SitesPath is { } sites ? SiteMap.Load(sites) : SiteMap.Default;
        if (options.Store is { } url)
        {
            if (options.StatePath is not null)
                throw new ArgumentException("a state file is for the in-process store; Redis keeps the completed counts itself");
            var redis = RedisSwarmStore.Connect(url, peerTimeout: peerTimeout, sites: siteMap);
            Store = redis;
            Ids = new ConnectionIds(null, redis.SharedSecret());
        }
        else
        {
            Store = new SwarmRegistry(peerTimeout: peerTimeout, sites: siteMap);
            Ids = new ConnectionIds();
        }
        Users = options.PrivateDbPath is { } db ? new UserStore(db) : null;
        Rollout = new RolloutBook(siteMap, TimeProvider.System, peerTimeout);
        Udp = new UdpTrackerProtocol(Store, Ids, IsAllowed, options.Interval, Stats, Users, Rollout);
        Gate = new AnnounceGate(Store, IsAllowed, Users, Rollout);
    }

    /// <summary>The swarms: in this process, or in Redis.</summary>
    public ISwarmStore Store { get; }
    public TrackerStats Stats { get; } = new();
    /// <summary>Per torrent and site, the machines seeding, downloading and stopped.</summary>
    public RolloutBook Rollout { get; }
    /// <summary>The private tracker's users, or null for an open tracker.</summary>
    public UserStore? Users { get; }
    private ConnectionIds Ids { get; }
    private UdpTrackerProtocol Udp { get; }
    private AnnounceGate Gate { get; }

    public bool IsAllowed(InfoHashKey key) => _allowList is not { } list || list.Contains(key);

    /// <summary>The port HTTP and UDP are served on (known after <see cref="StartAsync"/>; chosen then when the options say 0).</summary>
    public int Port { get; private set; }

    /// <summary>Binds a UDP socket per address on <paramref name="port"/> (0: a free one, shared by the rest); returns the port.</summary>
    private int BindUdp(int port)
    {
        foreach (var address in _options.Bind)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                if (address.AddressFamily == AddressFamily.InterNetworkV6)
                    socket.DualMode = false;
                socket.ReceiveBufferSize = 4 << 20;
                socket.Bind(new IPEndPoint(address, port));
            }
            catch
            {
                socket.Dispose();
                throw;
            }
            port = ((IPEndPoint)socket.LocalEndPoint!).Port;
            _udp.Add(socket);
        }
        return port;
    }

    private WebApplication BuildWeb(int port)
    {
        var builder = WebApplication.CreateSlimBuilder(HostDefaults.Options);
        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole();
        builder.Logging.SetMinimumLevel(_options.LogLevel);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.None);
        // A failure to start reaches the caller of StartAsync as an exception (and on port 0 a taken
        // TCP port is tried again with another), so the host's own "Hosting failed to start" is noise.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestLineSize = HttpAnnounceParser.MaxQueryLength + 512;
            kestrel.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
            kestrel.Limits.MaxRequestBodySize = 0;
            foreach (var address in _options.Bind)
                kestrel.Listen(address, port);
        });
        var app = builder.Build();
        app.Run(HandleHttpAsync);
        _log = app.Services.GetService(typeof(ILoggerFactory)) is ILoggerFactory factory ? factory.CreateLogger("Shoal.Tracker") : null;
        return app;
    }

    public async Task StartAsync()
    {
        LoadAllowList();
        int restored = _options.StatePath is { } state ? TrackerState.Load(state, (SwarmRegistry)Store) : 0;
        // Port 0: the UDP sockets take a free port and HTTP shares it; if another program holds
        // that port for TCP, try again with another one.
        for (int attempt = 1; ; attempt++)
        {
            WebApplication? app = null;
            try
            {
                int port = BindUdp(_options.Port);
                app = BuildWeb(port);
                await app.StartAsync(_stopping.Token).ConfigureAwait(false);
                Port = port;
                _web = app;
                break;
            }
            catch (Exception e) when ((e is IOException or SocketException) && _options.Port == 0 && attempt < 20)
            {
                if (app is not null)
                    await app.DisposeAsync().ConfigureAwait(false);
                foreach (var socket in _udp)
                    socket.Dispose();
                _udp.Clear();
            }
        }
        // In-process, one thread per socket with recvmmsg batches keeps up with the network. With
        // Redis each datagram waits for a round trip, so several threads read the same socket a
        // datagram at a time (a batch would hold all waiting datagrams on one thread).
        bool local = Store is SwarmRegistry;
        int threadsPerSocket = local ? 1 : RemoteStoreUdpThreads;
        foreach (var socket in _udp)
        {
            for (int i = 0; i < threadsPerSocket; i++)
            {
                var thread = new Thread(() =>
                {
                    if (local && LinuxUdpBatch.IsSupported)
                        UdpTrackerLoops.Batched(socket, Answer, _stopping.Token);
                    else
                        UdpTrackerLoops.Blocking(socket, Answer, _stopping.Token);
                }) { IsBackground = true, Name = "udp-tracker" };
                thread.Start();
                _threads.Add(thread);
            }
        }
        _loops.Add(Task.Run(() => HousekeepingAsync(_stopping.Token)));
        _log?.LogInformation("tracker serving HTTP and UDP on {Addresses} port {Port}; {Mode}; {Sites}; {Store}",
            string.Join(", ", _options.Bind), Port, _allowList is null ? "open" : $"allow-list of {_allowList.Count}",
            Store.Sites.Count == 0 ? "sites by /24 and /64" : $"{Store.Sites.Count} site rules",
            _options.Store is { } url ? $"swarms in Redis at {url}" : "swarms in this process");
        if (_options.StatePath is not null)
            _log?.LogInformation("state {Path}: completed counts of {Count} torrents restored", _options.StatePath, restored);
    }

    private async Task HandleHttpAsync(HttpContext context)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(TrackerResponses.MaxCompactAnnounce);
        try
        {
            var (body, contentType) = await RespondAsync(context, buffer).ConfigureAwait(false);
            context.Response.ContentType = contentType;
            context.Response.ContentLength = body.Length;
            await context.Response.Body.WriteAsync(body).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private const string PlainText = "text/plain";

    /// <summary>The reply to one HTTP request and its content type: in <paramref name="buffer"/> for a compact announce, else a new array.</summary>
    private ValueTask<(ReadOnlyMemory<byte> Body, string ContentType)> RespondAsync(HttpContext context, byte[] buffer)
    {
        string path = context.Request.Path.Value ?? "";
        var query = context.Request.QueryString.Value.AsSpan();
        long? user = null;
        string? refused = null;
        if (Users is not null && (path.StartsWith("/announce", StringComparison.Ordinal) || path.StartsWith("/scrape", StringComparison.Ordinal)))
        {
            // Private: /announce/KEY and /scrape/KEY only.
            int slash = path.IndexOf('/', 1);
            string key = slash < 0 ? "" : path[(slash + 1)..];
            path = slash < 0 ? path : path[..slash];
            user = key.Length == 0 ? null : Users.UserOf(key);
            if (user is null)
                refused = key.Length == 0 ? $"private tracker: use {path}/<your passkey>" : "unknown passkey";
        }
        switch (path)
        {
            case "/announce" or "/scrape" when refused is not null:
                return Failed(refused);
            case "/announce":
                TrackerAnnounce announce;
                try
                {
                    announce = HttpAnnounceParser.ParseAnnounce(query, context.Connection.RemoteIpAddress ?? IPAddress.None, _options.TrustIpParameter);
                    Gate.Admit(announce.InfoHash, user);
                }
                catch (TrackerRequestException e)
                {
                    return Failed(e.Message);
                }
                return AnnounceAsync(announce, user, buffer);
            case "/scrape":
                List<InfoHashKey> hashes;
                try
                {
                    hashes = HttpAnnounceParser.ParseScrape(query);
                    if (hashes.Count == 0 && !_options.FullScrape)
                        throw new TrackerRequestException("full scrape is disabled; name an info_hash");
                }
                catch (TrackerRequestException e)
                {
                    return Failed(e.Message);
                }
                return ScrapeAsync(hashes, user);
            case "/rollout" or "/rollout.html" or "/stats" or "/metrics":
                return new(View(context, path));
            default:
                context.Response.StatusCode = 404;
                return new((TrackerResponses.Failure("unknown path; use /announce or /scrape"), PlainText));
        }
    }

    private ValueTask<(ReadOnlyMemory<byte>, string)> Failed(string reason)
    {
        Stats.HttpError();
        return new((TrackerResponses.Failure(reason), PlainText));
    }

    private async ValueTask<(ReadOnlyMemory<byte>, string)> AnnounceAsync(TrackerAnnounce announce, long? user, byte[] buffer)
    {
        var sample = ArrayPool<SampledPeer>.Shared.Rent(HttpAnnounceParser.MaxNumWant);
        try
        {
            AnnounceCounts counts;
            try
            {
                counts = await Gate.RecordAsync(announce, user, sample.AsMemory(0, HttpAnnounceParser.MaxNumWant)).ConfigureAwait(false);
            }
            catch (TrackerRequestException e)
            {
                return await Failed(e.Message).ConfigureAwait(false); // the store could not be reached
            }
            Stats.HttpAnnounce();
            var peers = sample.AsSpan(0, counts.PeerCount);
            if (announce.Compact)
                return (buffer.AsMemory(0, TrackerResponses.AnnounceCompact(buffer, counts, peers, _options.Interval, _options.MinInterval)), PlainText);
            var result = new AnnounceResult(counts.Seeders, counts.Leechers, counts.Completed, peers.ToArray());
            return (TrackerResponses.Announce(result, announce, _options.Interval, _options.MinInterval), PlainText);
        }
        finally
        {
            ArrayPool<SampledPeer>.Shared.Return(sample);
        }
    }

    private async ValueTask<(ReadOnlyMemory<byte>, string)> ScrapeAsync(List<InfoHashKey> hashes, long? user)
    {
        // A private key scrapes only what it may see; other torrents are left out, as unserved ones are.
        bool Visible(InfoHashKey key) => IsAllowed(key) && (user is not long id || Users!.MaySee(id, key));
        Stats.HttpScrape();
        try
        {
            if (hashes.Count == 0)
                return (TrackerResponses.Scrape(Store.ScrapeAll(MaxFullScrape).Where(e => Visible(e.Key))), PlainText);
            var counts = new List<(InfoHashKey, ScrapeCounts)>();
            foreach (var hash in hashes.Where(Visible))
                counts.Add((hash, await Store.ScrapeAsync(hash).ConfigureAwait(false) ?? new ScrapeCounts(0, 0, 0)));
            return (TrackerResponses.Scrape(counts), PlainText);
        }
        catch (TrackerRequestException e)
        {
            return await Failed(e.Message).ConfigureAwait(false); // the store could not be reached
        }
    }

    /// <summary>One datagram's reply length (0: none). A bug in answering is logged, never allowed to end the loop.</summary>
    private int Answer(ReadOnlySpan<byte> packet, PeerEndpoint client, Span<byte> reply)
    {
        try
        {
            return Udp.Handle(packet, client, reply);
        }
        catch (Exception e)
        {
            _log?.LogError(e, "UDP request from {Client} failed", client);
            return 0;
        }
    }

    private async Task HousekeepingAsync(CancellationToken token)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(2));
        long ticks = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false))
            {
                ticks++;
                LoadAllowList();
                if (ticks % 3 == 0)
                    Stats.Sample();
                if (Users is not null && ticks % 2 == 0)
                {
                    Users.Flush();
                    Users.RefreshIfChanged();
                }
                if (ticks % 30 == 0)
                {
                    SaveState();
                    try
                    {
                        int expired = Store.Expire();
                        if (expired > 0)
                            _log?.LogInformation("expired {Count} peers that missed their announce", expired);
                    }
                    catch (TrackerRequestException e)
                    {
                        _log?.LogWarning("cannot expire peers: {Message}", e.Message);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void SaveState()
    {
        if (_options.StatePath is not { } path)
            return;
        try
        {
            TrackerState.Save(path, (SwarmRegistry)Store);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log?.LogWarning("cannot save state {Path}: {Message}", path, e.Message);
        }
    }

    /// <summary>(Re)loads the allow-list when its file changed.</summary>
    private void LoadAllowList()
    {
        if (_options.AllowListPath is { } path)
            (_allowList, _allowListTime) = AllowListFile.Reload(path, _allowList, _allowListTime, _log);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_web is not null)
            SaveState();
        foreach (var socket in _udp)
            socket.Dispose();
        if (_web is not null)
        {
            await _web.StopAsync().ConfigureAwait(false);
            await _web.DisposeAsync().ConfigureAwait(false);
        }
        await Task.WhenAll(_loops).ConfigureAwait(false);
        foreach (var thread in _threads)
            thread.Join(TimeSpan.FromSeconds(5));
        Users?.Dispose();
        (Store as IDisposable)?.Dispose();
        _stopping.Dispose();
    }
}

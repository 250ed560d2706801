using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Shoal.Limits;
using Shoal.Metainfo;
using Shoal.Peers;
using Shoal.Wire;

namespace Shoal;

/// <summary>Settings shared by every torrent of a <see cref="ShoalClient"/>.</summary>
public sealed record ShoalClientOptions
{
    /// <summary>Addresses to listen on; the default listens on every IPv4 and IPv6 address.</summary>
    public IReadOnlyList<IPAddress> ListenAddresses { get; init; } = [IPAddress.IPv6Any];
    /// <summary>TCP port for incoming peers; 0 picks a free one.</summary>
    public int Port { get; init; }
    /// <summary>Bytes per second for all torrents together; 0 for no limit.</summary>
    public long MaxDownloadRate { get; init; }
    public long MaxUploadRate { get; init; }
    public int MaxConnections { get; init; } = 500;
    /// <summary>Outgoing connections that may be in progress at once.</summary>
    public int MaxHalfOpen { get; init; } = 32;
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Where resume data is kept (one file per torrent).</summary>
    public string ResumeDirectory { get; init; } = DefaultStateDirectory("resume");
    /// <summary>First UDP tracker timeout (BEP 15 says 15 s); shorter in tests.</summary>
    public TimeSpan? UdpTrackerTimeout { get; init; }
    public TimeProvider Time { get; init; } = TimeProvider.System;
    /// <summary>Seed for the swarm's random choices; null for a random one.</summary>
    public int? RandomSeed { get; init; }
    public byte[]? PeerId { get; init; }

    /// <summary>$SHOAL_STATE_DIR, else $XDG_STATE_HOME/shoal, else ~/.local/state/shoal; plus <paramref name="name"/>.</summary>
    public static string DefaultStateDirectory(string name)
    {
        string? root = Environment.GetEnvironmentVariable("SHOAL_STATE_DIR");
        if (string.IsNullOrEmpty(root))
        {
            string? xdg = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
            root = !string.IsNullOrEmpty(xdg) ? Path.Combine(xdg, "shoal")
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state", "shoal");
        }
        return Path.Combine(root, name);
    }
}

/// <summary>
/// The engine's entry point: owns the torrents, one listening port whose incoming handshakes
/// are routed by info-hash, and the limits they share. Start it, add torrents, start them;
/// dispose it to stop everything and save resume data.
/// </summary>
public sealed class ShoalClient : IAsyncDisposable
{
    private readonly ConcurrentDictionary<InfoHash, TorrentSession> _running = new();
    private readonly List<TorrentSession> _torrents = [];
    private readonly List<Socket> _listeners = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly Random _seeds;
    private readonly Lock _gate = new();
    private readonly List<IPEndPoint> _ownEndPoints = [];
    private int _connections;
    private int _halfOpen;
    private bool _started;
    private int _disposed;

    public ShoalClient(ShoalClientOptions? options = null)
    {
        Options = options ?? new ShoalClientOptions();
        PeerIdBytes = Options.PeerId ?? PeerId.Create();
        DownloadLimit = new RateLimiter(Options.MaxDownloadRate, Options.Time);
        UploadLimit = new RateLimiter(Options.MaxUploadRate, Options.Time);
        _seeds = Options.RandomSeed is int seed ? new Random(seed) : new Random();
        Http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) })
        {
            Timeout = TimeSpan.FromSeconds(30),
        };
        Http.DefaultRequestHeaders.UserAgent.ParseAdd("Shoal/0.1");
    }

    public ShoalClientOptions Options { get; }
    public byte[] PeerIdBytes { get; }
    /// <summary>The port peers reach us on (known after <see cref="StartAsync"/>).</summary>
    public int ListenPort { get; private set; }
    public RateLimiter DownloadLimit { get; }
    public RateLimiter UploadLimit { get; }
    public string ResumeDirectory => Options.ResumeDirectory;
    internal TimeProvider Time => Options.Time;
    internal HttpClient Http { get; }
    /// <summary>Bounds the pieces being hashed and written at once.</summary>
    internal SemaphoreSlim DiskSlots { get; } = new(Math.Max(2, Environment.ProcessorCount * 2));

    public IReadOnlyList<TorrentSession> Torrents
    {
        get
        {
            lock (_gate)
                return [.. _torrents];
        }
    }

    internal int NextSeed()
    {
        lock (_seeds)
            return _seeds.Next();
    }

    /// <summary>Binds the listening sockets. Throws <see cref="SocketException"/> when the port is taken.</summary>
    public Task StartAsync()
    {
        lock (_gate)
        {
            if (_started)
                return Task.CompletedTask;
            _started = true;
            int port = Options.Port;
            foreach (var address in Options.ListenAddresses)
            {
                var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    if (address.AddressFamily == AddressFamily.InterNetworkV6)
                        socket.DualMode = address.Equals(IPAddress.IPv6Any);
                    socket.Bind(new IPEndPoint(address, port));
                    socket.Listen(128);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
                port = ((IPEndPoint)socket.LocalEndPoint!).Port; // later addresses share the first's port
                _listeners.Add(socket);
                _ownEndPoints.Add(new IPEndPoint(address, port));
                _ = AcceptLoopAsync(socket, _stopping.Token);
            }
            ListenPort = port;
        }
        return Task.CompletedTask;
    }

    /// <summary>Adds a torrent (not yet started) that saves into <paramref name="saveDirectory"/>.</summary>
    public TorrentSession Add(Torrent torrent, string saveDirectory, TorrentOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(torrent);
        options ??= new TorrentOptions();
        if (options.FilePriorities is { } priorities && priorities.Count != torrent.Files.Count)
            throw new ArgumentException($"{priorities.Count} file priorities for {torrent.Files.Count} files");
        lock (_gate)
        {
            if (_torrents.Any(t => t.InfoHash == torrent.InfoHashes.Primary))
                throw new InvalidOperationException($"torrent {torrent.InfoHashes.Primary} is already added");
            var session = new TorrentSession(this, torrent, saveDirectory, options);
            _torrents.Add(session);
            return session;
        }
    }

    /// <summary>Adds a torrent from a .torrent file (parsed and validated; throws <see cref="TorrentFormatException"/>).</summary>
    public TorrentSession Add(string torrentPath, string saveDirectory, TorrentOptions? options = null) =>
        Add(TorrentParser.Load(torrentPath), saveDirectory, options);

    /// <summary>Stops a torrent (saving resume data) and forgets it.</summary>
    public async Task RemoveAsync(TorrentSession torrent)
    {
        await torrent.StopAsync().ConfigureAwait(false);
        lock (_gate)
            _torrents.Remove(torrent);
    }

    internal void Register(TorrentSession session)
    {
        if (session.Torrent.InfoHashes.V1 is { } v1)
            _running[v1] = session;
        if (session.Torrent.InfoHashes.V2 is { } v2)
            _running[v2.Truncated] = session;
    }

    internal void Unregister(TorrentSession session)
    {
        foreach (var (hash, registered) in _running)
        {
            if (registered == session)
                _running.TryRemove(hash, out _);
        }
    }

    internal bool TryAddConnection() => TryTake(ref _connections, Options.MaxConnections);

    internal void RemoveConnection() => Interlocked.Decrement(ref _connections);

    internal bool TryBeginHalfOpen() => TryTake(ref _halfOpen, Options.MaxHalfOpen);

    /// <summary>Takes one of <paramref name="limit"/> slots counted by <paramref name="counter"/>, if one is free.</summary>
    private static bool TryTake(ref int counter, int limit)
    {
        if (Interlocked.Increment(ref counter) <= limit)
            return true;
        Interlocked.Decrement(ref counter);
        return false;
    }

    internal void EndHalfOpen() => Interlocked.Decrement(ref _halfOpen);

    /// <summary>True when <paramref name="endPoint"/> is one of our own listening addresses (never dial ourselves).</summary>
    internal bool IsOwnEndPoint(IPEndPoint endPoint)
    {
        if (endPoint.Port != ListenPort)
            return false;
        lock (_gate)
        {
            foreach (var own in _ownEndPoints)
            {
                if (own.Address.Equals(endPoint.Address))
                    return true;
            }
        }
        return false;
    }

    private async Task AcceptLoopAsync(Socket listener, CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                continue; // a connection that died before accept
            }
            socket.NoDelay = true;
            _ = HandleIncomingAsync(socket, token);
        }
    }

    private async Task HandleIncomingAsync(Socket socket, CancellationToken token)
    {
        bool handedOver = false;
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(token);
            deadline.CancelAfter(Options.ConnectTimeout);
            var handshake = await PeerHandshaker.ReceiveAsync(socket, deadline.Token).ConfigureAwait(false);
            if (!_running.TryGetValue(new InfoHash(handshake.InfoHash), out var session))
                return; // not a torrent we serve: just close
            await session.AcceptAsync(socket, handshake, (IPEndPoint)socket.RemoteEndPoint!, deadline.Token).ConfigureAwait(false);
            handedOver = true;
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or PeerProtocolException or ObjectDisposedException)
        {
        }
        finally
        {
            if (!handedOver)
                socket.Dispose();
        }
    }

    /// <summary>Stops every torrent (saving resume data) and closes the listening sockets.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        await _stopping.CancelAsync().ConfigureAwait(false);
        lock (_gate)
        {
            foreach (var listener in _listeners)
                listener.Dispose();
            _listeners.Clear();
        }
        await Task.WhenAll(Torrents.Select(t => t.StopAsync())).ConfigureAwait(false);
        Http.Dispose();
        _stopping.Dispose();
    }
}

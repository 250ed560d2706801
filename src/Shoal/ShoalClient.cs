using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Shoal.Dht;
using Shoal.Discovery;
using Shoal.Extensions;
using Shoal.Limits;
using Shoal.Metainfo;
using Shoal.Net;
using Shoal.Peers;

namespace Shoal;

/// <summary>
/// The engine's entry point: owns the torrents and the services they share: the clock and
/// seeded randomness, limits, disk slots, the transport with its listening port, the incoming
/// router (sniff, handshake, route by info-hash), and the registrations of peer sources and
/// extensions. Start it, add torrents, start them; dispose it to stop everything and save resume data.
/// </summary>
public sealed partial class ShoalClient : IAsyncDisposable
{
    private readonly ConcurrentDictionary<InfoHash, TorrentSession> _running = new();
    private readonly List<TorrentSession> _torrents = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly Random _seeds;
    private readonly Lock _gate = new();
    private readonly TcpTransport _tcp = new();
    private readonly List<ITransport> _transports;
    private readonly List<PeerSourceFactory> _sourceFactories = [];
    private readonly List<PeerExtensionFactory> _extensionFactories = [MetadataExtension.Create, PexExtension.Create];
    private readonly List<PeerLinkFactory> _linkFactories = [];
    private IReadOnlyList<IPEndPoint> _ownEndPoints = [];
    private UdpEndpoint? _udp;
    private NetworkWatcher? _network;
    private int _connections;
    private int _maxConnections;
    private int _halfOpen;
    private bool _started;
    private int _disposed;

    /// <summary>A client with <paramref name="options"/> (the defaults when null); <see cref="StartAsync"/> opens its sockets.</summary>
    public ShoalClient(ShoalClientOptions? options = null)
    {
        Options = options ?? new ShoalClientOptions();
        _maxConnections = Options.MaxConnections;
        ReadCache = Options.ReadCacheSize > 0 ? new Storage.ReadCache(Options.ReadCacheSize) : null;
        PeerIdBytes = Options.PeerId ?? PeerId.Create();
        DownloadLimit = new RateLimiter(Options.MaxDownloadRate, Options.Time);
        UploadLimit = new RateLimiter(Options.MaxUploadRate, Options.Time);
        _seeds = Options.RandomSeed is int seed ? new Random(seed) : new Random();
        Sites = new LocalSites(Options.Sites);
        Http = ShoalHttp.Create(TimeSpan.FromMinutes(2));
        TrackerHttp = Trackers.HttpTrackerClient.CreateHttp();
        _transports = [_tcp];
        Encryption = Options.Encryption;
        OutgoingOpening = new Net.Mse.MseOutgoingOpening(() => Encryption, Options.ConnectTimeout, Time);
        Router = new IncomingRouter(hash => _running.GetValueOrDefault(hash),
            [new PlainIncomingHandshake(() => Encryption), new Net.Mse.MseIncomingHandshake(() => Encryption, () => _running.Keys)],
            Options.ConnectTimeout, Options.Time)
        {
            Admits = HasRoomForIncoming,
        };
        Logger = Options.LoggerFactory.CreateLogger<ShoalClient>();
        Tasks = new Supervision.TaskOwner(OnFault, _stopping.Token);
        DeferredSends = new Peers.DeferredSends(Time, e => OnFault("the deferred-send flusher", e));
        AddPeerSource(TrackerSource.Create); // the DHT and LSD join in StartAsync, when they run
        AddPeerSource(WebSeeds.WebSeedSource.Create);
    }

    /// <summary>The options it was made with.</summary>
    public ShoalClientOptions Options { get; }
    /// <summary>Our 20-byte peer id.</summary>
    public byte[] PeerIdBytes { get; }
    /// <summary>The port peers reach us on (known after <see cref="StartAsync"/>).</summary>
    public int ListenPort { get; private set; }
    /// <summary>The limit on all torrents' download together; change <see cref="RateLimiter.Rate"/> at any time.</summary>
    public RateLimiter DownloadLimit { get; }
    /// <summary>The limit on all torrents' upload together; change <see cref="RateLimiter.Rate"/> at any time.</summary>
    public RateLimiter UploadLimit { get; }
    /// <summary>Where resume data and fetched metadata are kept.</summary>
    public string ResumeDirectory => Options.ResumeDirectory;
    internal TimeProvider Time => Options.Time;
    internal HttpClient Http { get; }

    /// <summary>For HTTP trackers: a connection per request (<see cref="Trackers.HttpTrackerClient.CreateHttp"/>).</summary>
    internal HttpClient TrackerHttp { get; }
    /// <summary>What a dialled stream goes through before the handshake: the encryption policy's MSE opening unless another is plugged in.</summary>
    internal IOutgoingOpening OutgoingOpening { get; set; }
    /// <summary>Whether connections are encrypted (MSE); starts as <see cref="ShoalClientOptions.Encryption"/> and may change at any time (new connections follow it).</summary>
    public EncryptionPolicy Encryption { get; set; }
    /// <summary>The DHT node (after <see cref="StartAsync"/>, when <see cref="ShoalClientOptions.Dht"/> is set).</summary>
    public DhtService? Dht { get; private set; }
    /// <summary>The uTP connections on the UDP sockets (after <see cref="StartAsync"/>, unless <see cref="ShoalClientOptions.Transport"/> is TCP).</summary>
    internal Net.Utp.UtpMux? Utp { get; private set; }
    /// <summary>Local service discovery (after <see cref="StartAsync"/>, when <see cref="ShoalClientOptions.Lsd"/> is set).</summary>
    internal LsdService? Lsd { get; private set; }
    /// <summary>Where incoming connections are sniffed and routed; other openings (MSE) register here.</summary>
    internal IncomingRouter Router { get; }

    /// <summary>
    /// How many peers from other hosts reached us with a complete handshake, over IPv4 and IPv6:
    /// proof that our port is open, learnt without asking anyone.
    /// </summary>
    public (long V4, long V6) PeersReachedUs => Router.Reached;
    /// <summary>Bounds the pieces being hashed and written at once.</summary>
    internal SemaphoreSlim DiskSlots { get; } = new(Math.Max(2, Environment.ProcessorCount * 2));
    internal IReadOnlyList<PeerSourceFactory> PeerSourceFactories
    {
        get
        {
            lock (_gate)
                return [.. _sourceFactories];
        }
    }
    internal IReadOnlyList<PeerExtensionFactory> ExtensionFactories => _extensionFactories;
    internal IReadOnlyList<PeerLinkFactory> PeerLinkFactories => _linkFactories;

    /// <summary>
    /// Adds a way to reach peers. A dial tries the transports in order (<paramref name="preferred"/>
    /// puts this one first) with one strategy for all (<see cref="ITransport"/>), falling back to
    /// the next when one fails; incoming streams from every transport go through the same router
    /// (the handshake is sniffed, MSE or plain). The client owns the transport from now on and
    /// disposes of it with itself.
    /// </summary>
    public void AddTransport(ITransport transport, bool preferred = false)
    {
        ArgumentNullException.ThrowIfNull(transport);
        lock (_gate)
        {
            if (preferred)
                _transports.Insert(0, transport);
            else
                _transports.Add(transport);
            if (_started)
                Listen(transport);
        }
    }

    /// <summary>
    /// Registers a kind of peer source: each torrent started afterwards asks
    /// <paramref name="factory"/> for one, runs it while it runs, and dials what it finds like any
    /// other address. The engine's trackers, DHT and local discovery come in this way too.
    /// </summary>
    public void AddPeerSource(PeerSourceFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        lock (_gate)
            _sourceFactories.Add(factory);
    }

    /// <summary>Registers a kind of non-wire peer (web seeds) for every torrent started afterwards.</summary>
    internal void AddPeerLinks(PeerLinkFactory factory) => _linkFactories.Add(factory);

    /// <summary>Registers a BEP 10 extension for every torrent started afterwards.</summary>
    internal void AddExtension(PeerExtensionFactory factory) => _extensionFactories.Add(factory);

    /// <summary>Every torrent added and not removed.</summary>
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

    /// <summary>Which peers are of our own site (<see cref="ShoalClientOptions.Sites"/>).</summary>
    internal LocalSites Sites { get; }

    /// <summary>Binds the listening sockets. Throws <see cref="SocketException"/> when the port is taken.</summary>
    public Task StartAsync()
    {
        lock (_gate)
        {
            if (_started)
                return Task.CompletedTask;
            _started = true;
            ListenPort = _tcp.Bind(Options.ListenAddresses, Options.Port);
            _ownEndPoints = _tcp.LocalEndPoints;
            Sites.Refresh(Options.ListenAddresses);
            if (Options.Dht is not null || Options.Transport != TransportPolicy.Tcp)
                OpenUdp(Options.Dht?.Port ?? ListenPort);
            if (_udp is not null && Options.Transport != TransportPolicy.Tcp)
            {
                Utp = new Net.Utp.UtpMux(_udp, Time);
                _transports.Insert(0, new Net.Utp.UtpTransport(Utp)); // dialled first (DialAsync skips TCP under TransportPolicy.Utp)
            }
            foreach (var transport in _transports)
                Listen(transport);
            if (Options.Dht is { } dht)
                StartDht(dht);
            _udp?.Start();
            if (Options.Lsd is { } lsd)
            {
                Lsd = new LsdService(lsd, Options.ListenAddresses);
                Lsd.Start(Tasks);
                AddPeerSource(LsdSource.Create);
            }
            if (Options.WatchNetwork)
            {
                _network = new NetworkWatcher(Time, OnNetworkChanged);
                _network.Start();
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>Raised (on a timer thread) after the machine's addresses changed and every torrent was told to announce again.</summary>
    public event Action? NetworkChanged;

    /// <summary>
    /// The machine's addresses changed (also called by the host that knows it first): the DHT
    /// joins again and every running torrent announces now to its trackers, the DHT and LSD.
    /// We listen on the wildcard addresses unless told otherwise, so new addresses are served at once.
    /// </summary>
    public void OnNetworkChanged()
    {
        Sites.Refresh(Options.ListenAddresses);
        Dht?.Rejoin();
        foreach (var torrent in Torrents)
            torrent.NetworkChanged();
        NetworkChanged?.Invoke();
    }

    /// <summary>
    /// The UDP sockets the DHT and uTP share, on the TCP port's number (unless the DHT is told
    /// another), so peers reach us over uTP at the port we announce.
    /// </summary>
    private void OpenUdp(int port)
    {
        _udp = new UdpEndpoint();
        try
        {
            _udp.Bind(Options.ListenAddresses, port);
        }
        catch (SocketException e) when (Options.Dht?.Port is null && e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            // Another program holds UDP on our TCP port's number: any free port serves the DHT and
            // outgoing uTP as well (incoming uTP then cannot find us).
            _udp.Bind(Options.ListenAddresses, 0);
        }
    }

    /// <summary>The DHT node on the shared UDP sockets, a source for every non-private torrent.</summary>
    private void StartDht(DhtOptions options)
    {
        Dht = new DhtService(options with { ExternalAddress = options.ExternalAddress ?? ExternalAddress }, _udp!, Time,
            Options.LoggerFactory.CreateLogger<DhtService>(), NextSeed());
        Dht.Faulted += OnFault;
        Dht.ExternalVote += VoteExternal;
        Dht.Start();
        AddPeerSource(DhtSource.Create);
    }

    /// <summary>Adds a torrent (not yet started) that saves into <paramref name="saveDirectory"/>.</summary>
    public TorrentSession Add(Torrent torrent, string saveDirectory, TorrentOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(torrent);
        options ??= new TorrentOptions();
        if (options.FilePriorities is { } priorities && priorities.Count != torrent.Files.Count)
            throw new ArgumentException($"{priorities.Count} file priorities for {torrent.Files.Count} files");
        return Add(TorrentIdentity.From(torrent), torrent, saveDirectory, options);
    }

    /// <summary>Adds a torrent from what identifies it (a magnet link's contents); it waits for its metadata.</summary>
    public TorrentSession Add(TorrentIdentity identity, string saveDirectory, TorrentOptions? options = null)
    {
        var session = Add(identity, null, saveDirectory, options ?? new TorrentOptions());
        if (MetadataPhase.LoadSaved(this, identity) is { } saved)
            session.SetMetadata(saved); // fetched by an earlier run: not fetched again
        return session;
    }

    /// <summary>Adds a torrent from a magnet link; it waits for its metadata.</summary>
    public TorrentSession Add(MagnetLink magnet, string saveDirectory, TorrentOptions? options = null) =>
        Add(TorrentIdentity.From(magnet), saveDirectory, options);

    private TorrentSession Add(TorrentIdentity identity, Torrent? torrent, string saveDirectory, TorrentOptions options)
    {
        lock (_gate)
        {
            if (_torrents.Any(t => t.InfoHash == identity.InfoHashes.Primary))
                throw new InvalidOperationException($"torrent {identity.InfoHashes.Primary} is already added");
            var session = new TorrentSession(this, identity, torrent, saveDirectory, options);
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

    /// <summary>Routes incoming connections for the torrent's hashes (v1, v2 truncated) to it.</summary>
    internal void Register(TorrentSession session)
    {
        foreach (var hash in (session.Torrent?.InfoHashes ?? session.Identity.InfoHashes).SwarmHashes)
            _running[hash] = session;
    }

    internal void Unregister(TorrentSession session)
    {
        foreach (var (hash, registered) in _running)
        {
            if (registered == session)
                _running.TryRemove(hash, out _);
        }
    }

    /// <summary>True when <paramref name="endPoint"/> is one of our own listening addresses (never dial ourselves).</summary>
    internal bool IsOwnEndPoint(IPEndPoint endPoint)
    {
        if (endPoint.Port != ListenPort)
            return false;
        foreach (var own in _ownEndPoints)
        {
            if (own.Address.Equals(endPoint.Address))
                return true;
        }
        return false;
    }

    /// <summary>Stops every torrent (saving resume data) and closes the listening sockets.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        await _stopping.CancelAsync().ConfigureAwait(false);
        _network?.Dispose();
        foreach (var transport in _transports)
            await transport.DisposeAsync().ConfigureAwait(false);
        await Task.WhenAll(Torrents.Select(t => t.StopAsync())).ConfigureAwait(false);
        if (Dht is not null)
            await Dht.DisposeAsync().ConfigureAwait(false);
        if (Lsd is not null)
            await Lsd.DisposeAsync().ConfigureAwait(false);
        if (_udp is not null)
            await _udp.DisposeAsync().ConfigureAwait(false);
        await Tasks.DrainAsync().ConfigureAwait(false);
        DeferredSends.Dispose();
        Http.Dispose();
        TrackerHttp.Dispose();
        _stopping.Dispose();
    }
}

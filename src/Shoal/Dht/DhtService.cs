using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Shoal.Dht.Items;
using Shoal.Net;

namespace Shoal.Dht;

/// <summary>
/// A DHT node (BEP 5, with BEP 32 IPv6, BEP 42 ids, BEP 43 read-only and BEP 51 samples) on a
/// <see cref="UdpEndpoint"/>: it sends queries and matches their answers by transaction id and
/// sender, keeps one routing table per address family, answers others' queries through
/// <see cref="DhtResponder"/>, runs iterative lookups (<see cref="DhtLookup"/>), bootstraps from
/// its saved table and the bootstrap nodes, refreshes stale buckets, and saves its table.
/// </summary>
public sealed partial class DhtService : IAsyncDisposable
{
    internal const int MaxPending = 4_096;
    internal const int MaxConcurrentPings = 16;
    private static readonly byte[] OurVersion = "SH\0\x01"u8.ToArray();

    private readonly UdpEndpoint _udp;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Random _random;
    private readonly Lock _gate = new();
    private readonly Dictionary<ushort, Pending> _pending = [];
    private readonly DhtResponder _responder;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly DhtCounters _counters = new();
    private ushort _nextTransaction;
    private readonly HashSet<IPEndPoint> _pinging = [];
    private readonly ExternalAddressVotes _votes = new();
    private readonly ConcurrentDictionary<NodeId, int> _local = new();
    private readonly IReadOnlyList<DhtNode> _savedNodes;
    private readonly Supervision.TaskOwner _tasks;

    internal DhtService(DhtOptions options, UdpEndpoint udp, TimeProvider? time = null, ILogger? logger = null, int? randomSeed = null)
    {
        Options = options;
        _udp = udp;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _random = randomSeed is int seed ? new Random(seed) : new Random();
        var saved = options.StateFile is { } file ? DhtStateFile.Load(file) : null;
        Id = saved?.Id is { } id && (options.ExternalAddress is null || NodeIdSecurity.IsValid(id, options.ExternalAddress)) ? id
            : options.ExternalAddress is { } external ? NodeIdSecurity.Generate(external, _random)
            : NodeId.Random(_random);
        ExternalAddress = options.ExternalAddress;
        Table = new RoutingTable(Id, _time);
        Table6 = new RoutingTable(Id, _time);
        Store = new DhtPeerStore(_time);
        Tokens = new DhtTokens(_time);
        _savedNodes = saved?.Nodes ?? [];
        _nextTransaction = (ushort)_random.Next();
        ItemStore = new DhtItemStore(_time, Math.Max(0, options.MaxStoredItems));
        _responder = new DhtResponder(this, new SourceRateLimit(_time, options.QueriesPerSource, options.QueriesTotal));
        DhtPeerQueries.Register(this);
        DhtItemQueries.Register(this);
        udp.AddReceiver(static datagram => datagram.Length > 0 && datagram[0] == (byte)'d', OnDatagram);
        udp.ReceiverFailed += e => DhtLog.DatagramFailed(_logger, e);
        _tasks = new Supervision.TaskOwner(OnFault, _stopping.Token);
    }

    /// <summary>A node we asked says where it sees us (its address, then ours as it sees it); raised under no lock.</summary>
    internal event Action<IPAddress, IPAddress>? ExternalVote;

    /// <summary>Raised when the node's upkeep or a query of its own ended in an unexpected exception (a bug): what, and the exception.</summary>
    internal event Action<string, Exception>? Faulted;

    private void OnFault(string what, Exception e)
    {
        DhtLog.TaskFailed(_logger, what, e);
        Faulted?.Invoke(what, e);
    }

    /// <summary>The options the node was started with.</summary>
    public DhtOptions Options { get; }
    /// <summary>Every query that arrives, before the rate limit (for watching traffic; runs on the receive loop, keep it short).</summary>
    internal event Action<KrpcMessage, IPEndPoint>? QueryReceived;
    /// <summary>Our node id; it changes once, when our public address becomes known and the id does not fit it (BEP 42).</summary>
    internal NodeId Id { get; private set; }
    /// <summary>Our public address as the nodes we ask see it, once enough agree (or as configured).</summary>
    public IPAddress? ExternalAddress { get; private set; }
    internal RoutingTable Table { get; private set; }
    internal RoutingTable Table6 { get; private set; }
    internal DhtPeerStore Store { get; }
    internal DhtTokens Tokens { get; }
    /// <summary>The BEP 44 items this node stores for others.</summary>
    internal DhtItemStore ItemStore { get; }
    internal TimeProvider Time => _time;
    internal DhtCounters Counters => _counters;
    /// <summary>The UDP port the node listens on.</summary>
    public int Port => _udp.Port;
    /// <summary>Where the node listens (its first bound address).</summary>
    public IPEndPoint LocalEndPoint => _udp.LocalEndPoints[0];
    /// <summary>Completes once the first bootstrap was tried (whether it found anybody or not).</summary>
    public Task Ready => _ready.Task;

    internal Random Random => _random;

    /// <summary>Starts bootstrapping and the upkeep loop.</summary>
    public void Start()
    {
        _upkeep = new DhtUpkeep(this, _savedNodes, _logger);
        var upkeep = _upkeep;
        _tasks.Own("the DHT upkeep", Task.Run(() => upkeep.RunAsync(_ready, _stopping.Token)));
    }

    /// <summary>The network changed: join again now (saved, table and bootstrap nodes) rather than at the next upkeep.</summary>
    public void Rejoin() => _upkeep?.Wake();

    private DhtUpkeep? _upkeep;

    /// <summary>Nodes in both tables.</summary>
    internal int NodeCount()
    {
        lock (_gate)
            return Table.Count + Table6.Count;
    }

    /// <summary>Random ids in the buckets of <paramref name="family"/> unchanged for <paramref name="age"/>.</summary>
    internal List<NodeId> StaleTargets(AddressFamily family, TimeSpan age)
    {
        lock (_gate)
            return TableFor(family).Count == 0 ? [] : TableFor(family).StaleTargets(age, _random);
    }

    /// <summary>Its tables and traffic so far.</summary>
    public DhtStats GetStats()
    {
        lock (_gate)
        {
            return _counters.Snapshot(Id.ToString(), Table.Count, Table6.Count, Store.HashCount, ItemStore.Count);
        }
    }

    /// <summary>Makes <paramref name="handler"/> answer the queries of <paramref name="method"/>.</summary>
    internal void Handle(string method, KrpcHandler handler) => _responder.Register(method, handler);

    /// <summary>An empty answer to <paramref name="query"/>, with our id.</summary>
    internal KrpcMessage Reply(KrpcQuery query) => KrpcMessage.Response(query.Message.TransactionId, Id);

    /// <summary>
    /// <paramref name="reply"/> with the closest nodes to <paramref name="target"/>: of the asker's
    /// family, or those its BEP 32 'want' names.
    /// </summary>
    internal KrpcMessage WithNodes(KrpcMessage reply, NodeId target, KrpcQuery query)
    {
        var want = query.Message.Want;
        var family = query.From.AddressFamily;
        bool want4 = want.Contains("n4") || (want.Count == 0 && family == AddressFamily.InterNetwork);
        bool want6 = want.Contains("n6") || (want.Count == 0 && family == AddressFamily.InterNetworkV6);
        return reply with
        {
            Nodes = want4 ? Closest(target, AddressFamily.InterNetwork) : [],
            Nodes6 = want6 ? Closest(target, AddressFamily.InterNetworkV6) : [],
        };
    }

    /// <summary>The table for <paramref name="family"/>.</summary>
    internal RoutingTable TableFor(AddressFamily family) => family == AddressFamily.InterNetworkV6 ? Table6 : Table;

    /// <summary>Up to <paramref name="count"/> good nodes of <paramref name="family"/> closest to <paramref name="target"/>.</summary>
    internal List<DhtNode> Closest(NodeId target, AddressFamily family, int count = RoutingTable.K)
    {
        lock (_gate)
            return TableFor(family).Closest(target, count);
    }

    /// <summary>
    /// Torrents this machine takes part in, with the port peers reach it on: a get_peers for one
    /// of them lists us too, so a peer that knows only our node still finds us.
    /// </summary>
    internal void AddLocalTorrent(NodeId infoHash, int port) => _local[infoHash] = port;

    internal void RemoveLocalTorrent(NodeId infoHash) => _local.TryRemove(infoHash, out _);

    internal int? LocalPort(NodeId infoHash) => _local.TryGetValue(infoHash, out int port) ? port : null;

    /// <summary>A query of ours with our id (and BEP 43 'ro' when read-only); the transaction id is set when sent.</summary>
    internal KrpcMessage Query(string method) => KrpcMessage.Query([], method, Id) with { ReadOnly = Options.ReadOnly };

    /// <summary>
    /// Sends <paramref name="query"/> to <paramref name="to"/> and waits for its answer (null after
    /// <see cref="DhtOptions.QueryTimeout"/>, or when it cannot be sent). An answering node joins the
    /// routing table; one that times out is marked failed.
    /// </summary>
    internal async Task<KrpcMessage?> QueryAsync(IPEndPoint to, KrpcMessage query, NodeId? expected, CancellationToken cancellationToken)
    {
        to = EndPoints.Normalize(to);
        if (!_udp.CanReach(to))
            return null;
        var pending = new Pending(to);
        ushort transaction;
        lock (_gate)
        {
            if (_pending.Count >= MaxPending)
                return null;
            do
                transaction = _nextTransaction++;
            while (_pending.ContainsKey(transaction));
            _pending[transaction] = pending;
        }
        var tid = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(tid, transaction);
        try
        {
            if (!Send((query with { TransactionId = tid, Version = OurVersion }).Encode(), to))
                return null;
            Interlocked.Increment(ref _counters.QueriesSent);
            var answer = await pending.Answer.Task.WaitAsync(Options.QueryTimeout, _time, cancellationToken).ConfigureAwait(false);
            if (answer.Kind == KrpcKind.Response && answer.Id is { } id)
                Seen(id, to, responded: true);
            if (answer.ExternalIp is { } seen)
            {
                VoteExternal(to.Address, seen.Address);
                ExternalVote?.Invoke(to.Address, seen.Address);
            }
            return answer;
        }
        catch (TimeoutException)
        {
            Interlocked.Increment(ref _counters.Timeouts);
            if (expected is { } id)
            {
                lock (_gate)
                    TableFor(to.AddressFamily).Failed(id);
            }
            return null;
        }
        finally
        {
            lock (_gate)
                _pending.Remove(transaction);
        }
    }

    /// <summary>
    /// A node we asked says where it sees us. Once enough agree on a public address our id is
    /// checked against it; an id that does not fit is replaced by one that does (BEP 42), and the
    /// tables are rebuilt around it with the nodes they held.
    /// </summary>
    private void VoteExternal(IPAddress voter, IPAddress seen)
    {
        lock (_gate)
        {
            if (!_votes.Vote(voter, seen))
                return;
            ExternalAddress = _votes.Agreed;
            if (NodeIdSecurity.IsValid(Id, ExternalAddress!))
                return;
            Id = NodeIdSecurity.Generate(ExternalAddress!, _random);
            var nodes = Table.All().Concat(Table6.All()).ToList();
            Table = new RoutingTable(Id, _time);
            Table6 = new RoutingTable(Id, _time);
            foreach (var node in nodes)
                TableFor(node.EndPoint.AddressFamily).Seen(node, responded: true);
        }
        DhtLog.NewNodeId(_logger, ExternalAddress!, Id);
    }

    internal bool Send(byte[] datagram, IPEndPoint to)
    {
        if (!_udp.Send(datagram, to))
            return false;
        Interlocked.Add(ref _counters.BytesOut, datagram.Length);
        return true;
    }

    /// <summary>
    /// A node answered us or queried us: into its table when it may be there (BEP 42 when enforced,
    /// one node per address when restricted). A node the table wants checked gets a ping.
    /// </summary>
    internal void Seen(NodeId id, IPEndPoint endPoint, bool responded)
    {
        if (!EndPoints.IsPeerAddress(endPoint) || (Options.EnforceNodeIds && !NodeIdSecurity.IsValid(id, endPoint.Address)))
            return;
        DhtNode? ping;
        lock (_gate)
        {
            var table = TableFor(endPoint.AddressFamily);
            if (Options.RestrictRoutingIps && !IPAddress.IsLoopback(endPoint.Address) && table.HasOtherNodeAt(endPoint.Address, id))
                return;
            ping = table.Seen(new DhtNode(id, endPoint), responded);
        }
        if (ping is { } node)
        {
            lock (_gate)
            {
                // One ping at a time per address and a few in all: a flood of queries is no amplifier.
                if (_pinging.Count >= MaxConcurrentPings || !_pinging.Add(node.EndPoint))
                    return;
            }
            _tasks.Start("a DHT ping", () => PingAsync(node));
        }
    }

    private async Task PingAsync(DhtNode node)
    {
        try
        {
            await QueryAsync(node.EndPoint, Query("ping"), node.Id, _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            lock (_gate)
                _pinging.Remove(node.EndPoint);
        }
    }

    private void OnDatagram(ReadOnlyMemory<byte> datagram, IPEndPoint from, IPAddress localAddress)
    {
        Interlocked.Add(ref _counters.BytesIn, datagram.Length);
        KrpcMessage message;
        try
        {
            message = KrpcMessage.Parse(datagram.Span);
        }
        catch (FormatException)
        {
            Interlocked.Increment(ref _counters.Malformed);
            return; // no answer: an error reply to a forged source would be an amplifier
        }
        if (message.Kind == KrpcKind.Query)
        {
            QueryReceived?.Invoke(message, from);
            _responder.Answer(message, from, localAddress);
            return;
        }
        if (message.TransactionId.Length != 2)
            return;
        ushort transaction = BinaryPrimitives.ReadUInt16BigEndian(message.TransactionId);
        Pending? pending;
        lock (_gate)
        {
            // Only the node we asked may answer: a forged answer from elsewhere is ignored.
            if (!_pending.TryGetValue(transaction, out pending) || !pending.To.Equals(from))
                return;
        }
        Interlocked.Increment(ref _counters.Responses);
        pending.Answer.TrySetResult(message);
    }

    private sealed class Pending(IPEndPoint to)
    {
        public IPEndPoint To { get; } = to;
        public TaskCompletionSource<KrpcMessage> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

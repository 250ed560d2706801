using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Shoal.Net;

namespace Shoal.Dht;

/// <summary>
/// One iterative lookup (BEP 5): ask the <see cref="Alpha"/> closest nodes not yet asked, learn
/// closer ones from their answers, and stop when the <see cref="RoutingTable.K"/> closest known
/// nodes have all answered (or failed, or are slow: unanswered after half the query time-out).
/// Bounded in queries and candidates. Every node is sent <paramref name="query"/> (find_node,
/// get_peers, BEP 44's get, ...); each answer goes to <paramref name="onAnswer"/> (which takes
/// what the method finds: peers, an item) and each answering node's token is kept for a
/// following announce or put.
/// </summary>
internal sealed class DhtLookup(DhtService dht, NodeId target, AddressFamily family, KrpcMessage query, Action<KrpcMessage>? onAnswer = null)
{
    public const int Alpha = 3;
    public const int MaxQueries = 256;
    public const int MaxCandidates = 512;

    private readonly Dictionary<NodeId, Candidate> _candidates = [];
    private readonly KrpcMessage _query = query with { Want = [family == AddressFamily.InterNetworkV6 ? "n6" : "n4"] };

    public async Task<LookupResult> RunAsync(IEnumerable<DhtNode> start, CancellationToken cancellationToken)
    {
        var time = dht.Time;
        long began = time.GetTimestamp();
        var slowAfter = dht.Options.QueryTimeout / 2;
        foreach (var node in start)
            Consider(node);
        var inFlight = new Dictionary<Task<(Candidate, KrpcMessage?)>, Candidate>();
        int queries = 0;
        while (true)
        {
            long now = time.GetTimestamp();
            foreach (var asked in inFlight.Values)
                asked.Slow |= time.GetElapsedTime(asked.AskedAt, now) >= slowAfter;
            // A node slow to answer gives its place to the next: it neither holds a query slot
            // nor keeps the lookup waiting once closer nodes have answered (libtorrent does the same).
            int active = inFlight.Values.Count(c => !c.Slow);
            foreach (var candidate in Ordered().Take(RoutingTable.K))
            {
                if (active >= Alpha || queries >= MaxQueries)
                    break;
                if (candidate.State != CandidateState.New)
                    continue;
                candidate.State = CandidateState.Asked;
                candidate.AskedAt = now;
                queries++;
                active++;
                inFlight[AskAsync(candidate, cancellationToken)] = candidate;
            }
            if (active == 0)
                break; // the closest all answered or failed (or are slow), or the query budget is spent
            var oldest = inFlight.Values.Where(c => !c.Slow).Min(c => c.AskedAt);
            var untilSlow = slowAfter - time.GetElapsedTime(oldest, now);
            var done = await Task.WhenAny(inFlight.Keys.Append(Task.Delay(untilSlow > TimeSpan.Zero ? untilSlow : TimeSpan.Zero, time, cancellationToken)))
                .ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            if (done is not Task<(Candidate, KrpcMessage?)> answered)
                continue; // somebody became slow: room for another query
            inFlight.Remove(answered);
            var (asker, answer) = await answered.ConfigureAwait(false);
            Absorb(asker, answer);
        }
        var closest = _candidates.Values.Where(c => c.State == CandidateState.Answered)
            .Order(ByDistance).Take(RoutingTable.K).Select(c => (c.Node, c.Token)).ToList();
        return new LookupResult([], closest, queries, time.GetElapsedTime(began));
    }

    private Comparer<Candidate> ByDistance => Comparer<Candidate>.Create((a, b) => NodeId.CompareDistance(target, a.Node.Id, b.Node.Id));

    /// <summary>Candidates by distance, leaving out those that failed and those slow to answer.</summary>
    private IEnumerable<Candidate> Ordered() =>
        _candidates.Values.Where(c => c.State != CandidateState.Failed && !c.Slow).Order(ByDistance);

    private async Task<(Candidate, KrpcMessage?)> AskAsync(Candidate candidate, CancellationToken cancellationToken) =>
        (candidate, await dht.QueryAsync(candidate.Node.EndPoint, _query, candidate.Node.Id, cancellationToken).ConfigureAwait(false));

    private void Absorb(Candidate asked, KrpcMessage? answer)
    {
        if (answer is not { Kind: KrpcKind.Response })
        {
            asked.State = CandidateState.Failed;
            return;
        }
        asked.State = CandidateState.Answered;
        asked.Slow = false;
        asked.Token = answer.Token;
        onAnswer?.Invoke(answer);
        foreach (var node in family == AddressFamily.InterNetworkV6 ? answer.Nodes6 : answer.Nodes)
            Consider(node);
    }

    private void Consider(DhtNode node)
    {
        if (node.Id == dht.Id || _candidates.ContainsKey(node.Id) || !EndPoints.IsPeerAddress(node.EndPoint)
            || node.EndPoint.AddressFamily != family)
            return;
        if (_candidates.Count >= MaxCandidates)
        {
            // Full: a newcomer only displaces the farthest node not yet asked, and only when closer.
            var farthest = _candidates.Values.Where(c => c.State == CandidateState.New)
                .Order(Comparer<Candidate>.Create((a, b) => NodeId.CompareDistance(target, b.Node.Id, a.Node.Id))).FirstOrDefault();
            if (farthest is null || !node.Id.CloserTo(target, farthest.Node.Id))
                return;
            _candidates.Remove(farthest.Node.Id);
        }
        _candidates[node.Id] = new Candidate(node);
    }

    private enum CandidateState
    {
        New,
        Asked,
        Answered,
        Failed,
    }

    private sealed class Candidate(DhtNode node)
    {
        public DhtNode Node { get; } = node;
        public CandidateState State { get; set; }
        public byte[]? Token { get; set; }
        public long AskedAt { get; set; }
        /// <summary>Asked more than half a time-out ago and not answered yet.</summary>
        public bool Slow { get; set; }
    }
}

using System.Net.Sockets;
using Shoal.Dht;
using Shoal.Peers;

namespace Shoal.Discovery;

/// <summary>
/// Finds a torrent's peers on the DHT and announces it there: once the node has bootstrapped,
/// a get_peers lookup and an announce for each of its info-hashes (the v1 one and the truncated
/// v2 one of a hybrid), on each address family with nodes; again after a random time between
/// one and two <see cref="DhtOptions.AnnounceInterval"/>s, sooner (a minute, doubling) while it
/// has found nobody. Never for a private torrent, including a magnet whose metadata says private.
/// </summary>
internal sealed class DhtSource(IEngineSourceHost host, DhtService dht, TimeProvider time, Func<int> port, Random random,
    Func<System.Net.IPEndPoint, bool> isOwn) : IPeerSource
{
    public static readonly TimeSpan FirstRetry = TimeSpan.FromMinutes(1);
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The registration: a DHT source per non-private torrent when the client runs a DHT node.</summary>
    public static IPeerSource? Create(IPeerSourceHost host, ShoalClient client, TorrentOptions options) =>
        client.Dht is { } dht && !host.IsPrivate && host is IEngineSourceHost engine ? new DhtSource(engine, dht, client.Time, () => client.ListenPort, new Random(client.NextSeed()), client.IsOwnEndPoint) : null;

    public string Name => "dht";

    public void Nudge() => Volatile.Read(ref _wake).TrySetResult();

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var local = new List<NodeId>();
        try
        {
            await dht.Ready.WaitAsync(cancellationToken).ConfigureAwait(false);
            int fruitless = 0;
            while (!cancellationToken.IsCancellationRequested && !host.IsPrivate)
            {
                foreach (var hash in Hashes().Except(local))
                {
                    dht.AddLocalTorrent(hash, port());
                    local.Add(hash);
                }
                int found = await AnnounceAllAsync(cancellationToken).ConfigureAwait(false);
                fruitless = found > 0 ? 0 : fruitless + 1;
                var wait = found > 0 || fruitless > 4
                    ? dht.Options.AnnounceInterval * (1 + random.NextDouble())
                    : FirstRetry * (1 << (fruitless - 1));
                try
                {
                    await Volatile.Read(ref _wake).Task.WaitAsync(wait, time, cancellationToken).ConfigureAwait(false);
                    Volatile.Write(ref _wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
                }
                catch (TimeoutException)
                {
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var hash in local)
                dht.RemoveLocalTorrent(hash);
        }
    }

    /// <summary>Announces every info-hash of the torrent on every family with nodes; how many peers (other than us) were found.</summary>
    private async Task<int> AnnounceAllAsync(CancellationToken cancellationToken)
    {
        var hashes = Hashes();
        int found = 0;
        bool anyNodes = false;
        foreach (var family in new[] { AddressFamily.InterNetwork, AddressFamily.InterNetworkV6 })
        {
            if (dht.Closest(dht.Id, family, 1).Count == 0)
                continue;
            anyNodes = true;
            foreach (var hash in hashes)
            {
                if (host.IsPrivate)
                    return found; // a magnet's metadata said private: stop at once
                var result = await dht.AnnounceAsync(hash, port(), family, cancellationToken).ConfigureAwait(false);
                host.AddPeers(result.Peers, PeerSources.Dht);
                found += result.Peers.Count(p => !isOwn(p)); // the nodes we announced to list us too
            }
        }
        host.ReportSourceError(Name, anyNodes ? null : "no DHT nodes yet");
        return found;
    }

    private List<NodeId> Hashes() => [.. host.InfoHashes.SwarmHashes.Select(h => new NodeId(h.Span))];
}

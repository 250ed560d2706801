using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Shoal.Dht;

/// <summary>
/// A DHT node's joining and upkeep: bootstrap from the saved table and the bootstrap nodes
/// (asking them for nodes near our id, then looking our id up), once a minute expire stored
/// peers, join again while the table is nearly empty, refresh buckets nobody touched for
/// <see cref="RefreshAfter"/>, and save the table every <see cref="SaveInterval"/>.
/// </summary>
internal sealed class DhtUpkeep(DhtService dht, IReadOnlyList<DhtNode> saved, ILogger logger)
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan RefreshAfter = TimeSpan.FromMinutes(15);
    public static readonly TimeSpan SaveInterval = TimeSpan.FromMinutes(10);
    private static readonly AddressFamily[] Families = [AddressFamily.InterNetwork, AddressFamily.InterNetworkV6];

    /// <summary>Bootstraps, completes <paramref name="ready"/>, then keeps the node up until cancelled.</summary>
    public async Task RunAsync(TaskCompletionSource ready, CancellationToken token)
    {
        var time = dht.Time;
        long lastSave = time.GetTimestamp();
        try
        {
            await BootstrapAsync(token).ConfigureAwait(false);
            ready.TrySetResult();
            while (true)
            {
                bool woken = await WaitAsync(token).ConfigureAwait(false);
                dht.Store.Expire();
                if (woken || dht.NodeCount() < RoutingTable.K)
                {
                    // Alone or nearly (the bootstrap node knew few when we joined): join again.
                    await BootstrapAsync(token).ConfigureAwait(false);
                    continue;
                }
                foreach (var family in Families)
                {
                    foreach (var target in dht.StaleTargets(family, RefreshAfter).Take(3))
                        await dht.FindNodeAsync(target, family, token).ConfigureAwait(false);
                }
                if (time.GetElapsedTime(lastSave) >= SaveInterval)
                {
                    dht.Save();
                    lastSave = time.GetTimestamp();
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        finally
        {
            ready.TrySetResult();
        }
    }

    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Runs the next round now, as a joining one (after a network change).</summary>
    public void Wake() => Volatile.Read(ref _wake).TrySetResult();

    /// <summary>Waits for the next round; true when woken rather than timed.</summary>
    private async Task<bool> WaitAsync(CancellationToken token)
    {
        try
        {
            await Volatile.Read(ref _wake).Task.WaitAsync(Interval, dht.Time, token).ConfigureAwait(false);
            Volatile.Write(ref _wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Asks the saved nodes and the bootstrap nodes for nodes near our id, then looks our id up in each family.</summary>
    private async Task BootstrapAsync(CancellationToken token)
    {
        var endPoints = new List<IPEndPoint>(saved.Select(n => n.EndPoint));
        foreach (string bootstrap in dht.Options.Bootstrap)
            endPoints.AddRange(await ResolveAsync(bootstrap, token).ConfigureAwait(false));
        var ask = dht.Query("find_node") with { Target = dht.Id, Want = ["n4", "n6"] };
        var answers = await Task.WhenAll(endPoints.Distinct().Select(e => dht.QueryAsync(e, ask, null, token))).ConfigureAwait(false);
        var found = answers.Where(a => a?.Kind == KrpcKind.Response).SelectMany(a => a!.Nodes.Concat(a.Nodes6)).ToList();
        foreach (var family in Families)
        {
            var start = found.Where(n => n.EndPoint.AddressFamily == family).Concat(dht.Closest(dht.Id, family)).ToList();
            if (start.Count > 0)
                await dht.FindNodeAsync(dht.Id, family, start, token).ConfigureAwait(false);
        }
    }

    private async Task<List<IPEndPoint>> ResolveAsync(string hostAndPort, CancellationToken token)
    {
        if (IPEndPoint.TryParse(hostAndPort, out var literal) && literal.Port != 0)
            return [literal];
        if (!DhtOptions.TrySplit(hostAndPort, out string host, out int port))
            return [];
        try
        {
            var addresses = await Dns.GetHostAddressesAsync(host, token).ConfigureAwait(false);
            return [.. addresses.Select(a => new IPEndPoint(a, port))];
        }
        catch (SocketException e)
        {
            DhtLog.BootstrapUnresolved(logger, hostAndPort, e.Message);
            return [];
        }
    }
}

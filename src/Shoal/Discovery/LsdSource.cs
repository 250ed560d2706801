using System.Net;
using Shoal.Metainfo;
using Shoal.Net;
using Shoal.Peers;

namespace Shoal.Discovery;

/// <summary>
/// One torrent on local service discovery: announced on start and every
/// <see cref="LsdOptions.Interval"/> (a nudge, as after a network change, sooner but never within
/// <see cref="LsdOptions.MinInterval"/> of the last, unless the network changed since); peers heard go to the peer list as LSD and
/// local. Never for a private torrent, including a magnet whose metadata says private.
/// </summary>
internal sealed class LsdSource(IEngineSourceHost host, ILocalDiscovery lsd, LsdOptions options, TimeProvider time, Func<int> port) : IPeerSource
{
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _newNetwork;

    public static IPeerSource? Create(IPeerSourceHost host, ShoalClient client, TorrentOptions options) =>
        client.Lsd is { } lsd && !host.IsPrivate && host is IEngineSourceHost engine ? new LsdSource(engine, lsd, client.Options.Lsd!, client.Time, () => client.ListenPort) : null;

    public string Name => "lsd";

    public void Nudge() => Volatile.Read(ref _wake).TrySetResult();

    /// <summary>The last announce went out on the old network: the next goes out at once, even within the minute.</summary>
    public void NetworkChanged()
    {
        _newNetwork = true;
        Nudge();
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var registered = new List<InfoHash>();
        try
        {
            while (!cancellationToken.IsCancellationRequested && !host.IsPrivate)
            {
                var hashes = host.InfoHashes.SwarmHashes;
                foreach (var hash in hashes.Except(registered))
                {
                    lsd.Register(hash, Found);
                    registered.Add(hash);
                }
                _newNetwork = false;
                lsd.Announce(hashes, port());
                long announced = time.GetTimestamp();
                try
                {
                    await Volatile.Read(ref _wake).Task.WaitAsync(options.Interval, time, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                }
                Volatile.Write(ref _wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
                var early = options.MinInterval - time.GetElapsedTime(announced);
                if (early > TimeSpan.Zero && !_newNetwork)
                    await Task.Delay(early, time, cancellationToken).ConfigureAwait(false); // nudged: still at most one a minute
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var hash in registered)
                lsd.Unregister(hash);
        }
    }

    private void Found(IPEndPoint peer)
    {
        if (!host.IsPrivate && EndPoints.IsPeerAddress(peer))
            host.AddPeers([peer], PeerSources.Lsd, PeerTraits.Local);
    }
}

using Microsoft.Extensions.Logging;
using Shoal.Net;
using Shoal.Supervision;

namespace Shoal;

/// <summary>The client's own background work (listeners, incoming connections, services) and what happens when it fails.</summary>
public sealed partial class ShoalClient
{
    private volatile string? _fault;

    /// <summary>
    /// Why the client cannot go on as it should (a listener or a service died of an unexpected
    /// exception); null while it is healthy. Every running torrent fails with the same error, so
    /// that the fault shows wherever torrents are shown.
    /// </summary>
    public string? Fault => _fault;

    /// <summary>Raised (on the thread pool, never under a lock) when <see cref="Fault"/> is set.</summary>
    public event Action<string>? Faulted;

    /// <summary>Owns the client's background tasks; one that fails unexpectedly is <see cref="OnFault"/>.</summary>
    internal TaskOwner Tasks { get; }

    private ILogger Logger { get; }

    /// <summary>Runs on the thread pool just before a verified piece is written (fault injection: a test makes the storage throw here).</summary>
    internal Action<int>? BeforePieceWrite { get; set; }

    /// <summary>Runs on the thread pool just before the blocks of one upload are read, with the piece of the first (tests watch the disk slots here).</summary>
    internal Action<int>? BeforeBlocksRead { get; set; }

    private void OnFault(string what, Exception e)
    {
        string message = $"{what} failed ({e.GetType().Name}): {e.Message}";
        bool first = Interlocked.CompareExchange(ref _fault, message, null) is null;
        EngineLog.ClientFailed(Logger, what, e);
        foreach (var torrent in Torrents)
        {
            if (torrent.State is not (TorrentState.Stopped or TorrentState.Paused or TorrentState.Error))
                torrent.FailInternal(e, what);
        }
        if (first)
            Faulted?.Invoke(message);
    }

    /// <summary>Starts <paramref name="transport"/>'s listening; its accept loop and each stream it accepts are owned by the client.</summary>
    private void Listen(ITransport transport) =>
        Tasks.Own($"the {transport.Name} listener", transport.StartListening(Accept, _stopping.Token));

    private void Accept(PeerStream stream) =>
        Tasks.Start($"an incoming {stream.Transport} connection", () => Router.RouteAsync(stream, _stopping.Token));
}

using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Shoal.Net;

namespace Shoal.Dht;

/// <summary>The node's life outside a client: its saved table, its end, and a node of its own on a socket it owns (`shoal dht-node`).</summary>
public sealed partial class DhtService
{
    /// <summary>Saves the id and the table (when a state file is set).</summary>
    public void Save()
    {
        if (Options.StateFile is not { } file)
            return;
        List<DhtNode> nodes;
        lock (_gate)
            nodes = [.. Table.All(), .. Table6.All()];
        try
        {
            DhtStateFile.Save(file, new DhtStateFile.State(Id, nodes));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            DhtLog.StateNotSaved(_logger, file, e.Message);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
            return;
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _tasks.DrainAsync().ConfigureAwait(false);
        Save();
        if (_ownedSocket is not null)
            await _ownedSocket.DisposeAsync().ConfigureAwait(false);
    }

    private UdpEndpoint? _ownedSocket;

    /// <summary>
    /// A DHT node of its own (no BitTorrent client around it) on UDP <paramref name="port"/> (0:
    /// any free port) of <paramref name="bind"/>, started. Throws <see cref="SocketException"/>
    /// when it cannot bind. Disposing it saves its table and closes its socket.
    /// </summary>
    public static DhtService StartStandalone(DhtOptions options, IReadOnlyList<IPAddress> bind, int port, ILogger? logger = null)
    {
        var udp = new UdpEndpoint();
        try
        {
            udp.Bind(bind, port);
            var node = new DhtService(options, udp, logger: logger) { _ownedSocket = udp };
            udp.Start();
            node.Start();
            return node;
        }
        catch
        {
            udp.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
    }

    /// <summary>Our node id, in hex.</summary>
    public string IdHex => Id.ToString();
}

using System.CommandLine;
using Shoal.Dht;

namespace Shoal.Cli.Commands;

/// <summary>The DHT options of `get`, `seed` and `dht-node`.</summary>
public sealed class DhtCliOptions
{
    private readonly Option<string[]> _bootstrap = new("--dht-bootstrap")
    {
        Description = "Join the DHT through this node, HOST:PORT (repeatable), or 'none' for the saved table alone. Default: the saved table and the public routers ("
            + string.Join(", ", DhtOptions.PublicRouters) + ").",
    };
    private readonly Option<bool> _readOnly = new("--dht-read-only") { Description = "BEP 43: look up and announce, but answer nobody's queries." };
    private readonly Option<bool> _enforceIds = new("--dht-enforce-ids") { Description = "BEP 42: keep nodes whose id does not match their address out of the routing table." };

    public IEnumerable<Option> All => [_bootstrap, _readOnly, _enforceIds];

    /// <summary>The node's settings, its table saved as <paramref name="stateFile"/>; without --dht-bootstrap, <paramref name="defaultBootstrap"/>.</summary>
    public DhtOptions Read(ParseResult parse, string stateFile, IReadOnlyList<string> defaultBootstrap)
    {
        var bootstrap = parse.GetValue(_bootstrap) ?? [];
        if (bootstrap.Contains("none"))
        {
            if (bootstrap.Length > 1)
                throw new UsageException("--dht-bootstrap none cannot be combined with nodes");
            bootstrap = [];
            defaultBootstrap = [];
        }
        if (bootstrap.FirstOrDefault(n => !DhtOptions.IsNodeAddress(n)) is { } bad)
            throw new UsageException($"--dht-bootstrap: '{bad}' is not HOST:PORT");
        return new DhtOptions
        {
            Bootstrap = bootstrap.Length > 0 ? bootstrap : defaultBootstrap,
            StateFile = stateFile,
            ReadOnly = parse.GetValue(_readOnly),
            EnforceNodeIds = parse.GetValue(_enforceIds),
        };
    }

    /// <summary>A DHT node of the command's own on UDP <paramref name="port"/> (0: any free one); a port that cannot be bound is an <see cref="IOException"/> naming it.</summary>
    public static DhtService StartNode(DhtOptions options, string[]? bind, int port)
    {
        try
        {
            return DhtService.StartStandalone(options, CliParsing.BindAddresses(bind), port);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new IOException($"cannot listen on UDP port {port}: {e.Message}");
        }
    }
}

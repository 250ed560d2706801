using System.CommandLine;

namespace Shoal.Cli.Commands;

/// <summary>The options `get` and `seed` share: how to reach peers and how to report.</summary>
public sealed class PeerOptions
{
    private readonly Option<string[]> _peers = new("--peer") { Description = "Connect to this peer, HOST:PORT (repeatable)." };
    private readonly Option<int?> _port = new("--port") { Description = "Listening port (default 6881-6889, else any free one)." };
    private readonly Option<string[]> _bind = new("--bind") { Description = "Listen on this address only (repeatable; default all IPv4 and IPv6)." };
    private readonly Option<bool> _json = new("--json") { Description = "Print one JSON status object per line per torrent, every second." };
    private readonly Option<string?> _announce = new("--announce-interval") { Description = "Re-announce at least this often (e.g. 30s), whatever the tracker says." };
    private readonly Option<bool> _noPex = new("--no-pex") { Description = "Do not exchange peers with peers (BEP 11); private torrents never do." };
    private readonly Option<bool> _noDht = new("--no-dht") { Description = "Do not use the DHT (BEP 5); private torrents never do." };
    private readonly DhtCliOptions _dht = new();
    private readonly Option<bool> _noLsd = new("--no-lsd") { Description = "Do not announce or look for peers on the local network (BEP 14 multicast); private torrents never do." };
    private readonly Option<string> _encryption = new Option<string>("--encryption")
    {
        Description = "Peer encryption (MSE, RC4): prefer (offer it, accept plain; the default), require (encrypted peers only), tolerate (dial plain, accept it), disable.",
        DefaultValueFactory = _ => "prefer",
    }.AcceptOnlyFromAmong("prefer", "require", "tolerate", "disable");
    private readonly Option<string> _transport = new Option<string>("--transport")
    {
        Description = "How peers are dialled: both (uTP first, then TCP, but TCP first to peers of our own site; the default), utp (uTP only), tcp (TCP only, no uTP at all).",
        DefaultValueFactory = _ => "both",
    }.AcceptOnlyFromAmong("both", "utp", "tcp");
    private readonly Option<string?> _siteMap = new("--site-map") { Description = "Sites file (lines 'CIDR NAME', as the tracker's --sites): peers of our own site are preferred (default: our /24 or /64)." };
    private readonly Option<int?> _maxPeers = new("--max-peers")
    {
        Description = "Connections per torrent (default 60; the client's limit, 500, rises with it). A seed facing a flash crowd: the crowd's size.",
    };
    private readonly Option<string?> _logLevel = new("--log-level") { Description = "Show engine messages at or above this level: trace, debug, info, warning (default), error, none." };

    public void AddTo(Command command)
    {
        Option[] all = [_peers, _port, _bind, _json, _announce, _noPex, _noDht, .. _dht.All, _noLsd, _encryption, _transport, _siteMap, _maxPeers, _logLevel];
        foreach (var option in all)
            command.Options.Add(option);
        command.Validators.Add(result =>
        {
            if (result.GetValue(_port) is < 0 or > 65535)
                result.AddError("--port must be 0-65535");
            if (result.GetValue(_maxPeers) is < 1 or > 100_000)
                result.AddError("--max-peers must be 1-100000");
        });
    }

    /// <summary><paramref name="settings"/> with these options' values.</summary>
    public TransferSettings Apply(ParseResult parse, TransferSettings settings) => settings with
    {
        Peers = [.. (parse.GetValue(_peers) ?? []).Select(CliParsing.EndPoint)],
        Port = parse.GetValue(_port),
        MaxPeers = parse.GetValue(_maxPeers),
        Bind = CliParsing.BindAddresses(parse.GetValue(_bind)),
        Json = parse.GetValue(_json),
        AnnounceInterval = parse.GetValue(_announce) is { } a ? CliParsing.Duration(a, "--announce-interval") : null,
        LogLevel = CliLog.ParseLevel(parse.GetValue(_logLevel)),
        PeerExchange = !parse.GetValue(_noPex),
        Dht = parse.GetValue(_noDht) ? null : _dht.Read(parse, ShoalClientOptions.DefaultStateDirectory("dht.dat"), Dht.DhtOptions.PublicRouters),
        Lsd = !parse.GetValue(_noLsd),
        Encryption = Enum.Parse<EncryptionPolicy>(parse.GetValue(_encryption)!, ignoreCase: true),
        Transport = Enum.Parse<TransportPolicy>(parse.GetValue(_transport)!, ignoreCase: true),
        Sites = parse.GetValue(_siteMap) is { } sites ? LoadSites(sites) : SiteMap.Default,
    };

    /// <summary>Reads a sites file, or says why not.</summary>
    public static SiteMap LoadSites(string path)
    {
        try
        {
            return SiteMap.Load(path);
        }
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--site-map {path}: {e.Message}");
        }
    }
}

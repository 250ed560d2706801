using Shoal.Discovery;

namespace Shoal.WebSeeds;

/// <summary>
/// The torrent's own web seeds, handed over through the peer-source seam like any other source's
/// finds: a magnet's <c>ws=</c> URLs at once, then, once the metadata is known, the metainfo's
/// BEP 19 url-list and BEP 17 httpseeds. A source of yours hands over web seeds the same way
/// (<see cref="IPeerSourceHost.AddWebSeeds"/>).
/// </summary>
internal sealed class WebSeedSource(TorrentSession session) : IPeerSource
{
    /// <summary>The registration (unless <see cref="ShoalClientOptions.WebSeeds"/> is off).</summary>
    public static IPeerSource? Create(IPeerSourceHost host, ShoalClient client, TorrentOptions options) =>
        client.Options.WebSeeds && host is TorrentSession session ? new WebSeedSource(session) : null;

    public string Name => "web seeds";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        IEngineSourceHost host = session;
        host.AddWebSeeds(session.Identity.WebSeeds, WebSeedKind.UrlList);
        var torrent = session.Torrent ?? await session.MetadataArrived.WaitAsync(cancellationToken).ConfigureAwait(false);
        host.AddWebSeeds(torrent.WebSeeds, WebSeedKind.UrlList);
        host.AddWebSeeds(torrent.HttpSeeds, WebSeedKind.HttpSeed);
    }

    public void Nudge()
    {
    }
}

/// <summary>How a web seed is asked for data.</summary>
internal enum WebSeedKind
{
    /// <summary>BEP 19 (GetRight style): the files' URLs with byte ranges.</summary>
    UrlList,
    /// <summary>BEP 17 (Hoffman style): a script asked for pieces by info-hash.</summary>
    HttpSeed,
}

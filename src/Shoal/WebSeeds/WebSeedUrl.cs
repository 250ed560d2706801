using Shoal.Metainfo;

namespace Shoal.WebSeeds;

/// <summary>
/// Where a file of a torrent is on a BEP 19 web seed. A single-file torrent: the URL itself, or,
/// when it ends in '/', the URL plus the torrent's name. A multi-file torrent: the URL, a '/',
/// then the file's path (the torrent's name first). Each path component is percent-encoded.
/// </summary>
internal static class WebSeedUrl
{
    public static Uri For(string baseUrl, Torrent torrent, TorrentFile file)
    {
        string path = string.Join('/', file.PathComponents.Select(Uri.EscapeDataString));
        string url = torrent.IsSingleFile
            ? baseUrl.EndsWith('/') ? baseUrl + path : baseUrl
            : (baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/") + path;
        return new Uri(url);
    }

    /// <summary>True for a URL a web seed can have: absolute http or https.</summary>
    public static bool IsUsable(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && url.Length <= 2048;
}

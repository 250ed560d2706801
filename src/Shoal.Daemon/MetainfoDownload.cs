using System.Net;

namespace Shoal.Daemon;

/// <summary>
/// Fetches a .torrent named by an http(s) URL for torrent-add: at most five redirects, 30 seconds
/// and <see cref="RpcMethods.MaxMetainfo"/> bytes, the user's cookies sent as given; every
/// failure is a clear RPC error.
/// </summary>
internal static class MetainfoDownload
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = true,
        MaxAutomaticRedirections = 5,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.All,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
    })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    public static async Task<byte[]> GetAsync(Uri uri, string? cookies)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (!string.IsNullOrEmpty(cookies))
            request.Headers.TryAddWithoutValidation("Cookie", cookies);
        try
        {
            using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                throw new RpcException($"{uri}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
            if (response.Content.Headers.ContentLength > RpcMethods.MaxMetainfo)
                throw new RpcException("invalid or corrupt torrent file");
            await using var body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
            using var data = new MemoryStream();
            var buffer = new byte[81920];
            int n;
            while ((n = await body.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                if (data.Length + n > RpcMethods.MaxMetainfo)
                    throw new RpcException("invalid or corrupt torrent file");
                data.Write(buffer, 0, n);
            }
            return data.ToArray();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            throw new RpcException($"{uri}: {e.Message}");
        }
    }
}

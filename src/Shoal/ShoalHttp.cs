namespace Shoal;

/// <summary>The HTTP clients the engine makes (web seeds, trackers): one set of defaults.</summary>
internal static class ShoalHttp
{
    /// <summary>What Shoal calls itself in HTTP requests.</summary>
    public const string UserAgent = "Shoal/0.1";

    /// <summary>A client that follows up to 5 redirects, gives up after 30 s, and keeps a pooled connection for <paramref name="pooledConnectionLifetime"/> (zero: never reuses one).</summary>
    public static HttpClient Create(TimeSpan pooledConnectionLifetime)
    {
        var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = pooledConnectionLifetime, MaxAutomaticRedirections = 5 })
        {
            Timeout = TimeSpan.FromSeconds(30),
        };
        http.DefaultRequestHeaders.UserAgent.ParseAdd(UserAgent);
        return http;
    }
}

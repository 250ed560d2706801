using System.Text;

namespace Shoal.Trackers;

/// <summary>An HTTP(S) tracker (BEP 3, 23, 7, 48). Replies are read up to a size limit.</summary>
internal sealed class HttpTrackerClient(Uri uri, HttpClient http) : ITrackerClient
{
    public Uri Uri { get; } = uri;

    /// <summary>
    /// The HTTP client for announces and scrapes: it never reuses a connection. Many trackers
    /// (opentracker among them) close the connection after each reply without saying so, and a
    /// pooled connection taken for the next announce before its close arrived meets a reset. An
    /// announce every few minutes gains nothing from keep-alive; each request also asks for a close.
    /// </summary>
    public static HttpClient CreateHttp() => ShoalHttp.Create(TimeSpan.Zero);

    public async Task<AnnounceResponse> AnnounceAsync(AnnounceRequest request, CancellationToken cancellationToken)
    {
        var query = new StringBuilder();
        query.Append("info_hash=").Append(Escape(request.InfoHash))
            .Append("&peer_id=").Append(Escape(request.PeerId))
            .Append("&port=").Append(request.Port)
            .Append("&uploaded=").Append(request.Uploaded)
            .Append("&downloaded=").Append(request.Downloaded)
            .Append("&left=").Append(request.Left)
            .Append("&compact=1&numwant=").Append(request.NumWant)
            .Append("&key=").Append(request.Key.ToString("x8"));
        if (request.Event != TrackerEvent.None)
            query.Append("&event=").Append(request.Event.ToString().ToLowerInvariant());
        if (request.TrackerId is not null)
            query.Append("&trackerid=").Append(Uri.EscapeDataString(request.TrackerId));
        var body = await GetAsync(WithQuery(Uri, query.ToString()), cancellationToken).ConfigureAwait(false);
        return TrackerResponse.ParseAnnounce(body);
    }

    public async Task<ScrapeResult?> ScrapeAsync(byte[] infoHash, CancellationToken cancellationToken)
    {
        // BEP 48: the scrape URL replaces the last 'announce' in the path; without one, no scrape.
        string path = Uri.AbsolutePath;
        int at = path.LastIndexOf("/announce", StringComparison.Ordinal);
        if (at < 0)
            return null;
        var builder = new UriBuilder(Uri) { Path = path[..at] + "/scrape" + path[(at + "/announce".Length)..] };
        var body = await GetAsync(WithQuery(builder.Uri, "info_hash=" + Escape(infoHash)), cancellationToken).ConfigureAwait(false);
        return TrackerResponse.ParseScrape(body, infoHash);
    }

    private async Task<byte[]> GetAsync(Uri url, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url) { Headers = { ConnectionClose = true } };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
            throw new TrackerException($"tracker answered HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var memory = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int n;
        while ((n = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (memory.Length + n > TrackerResponse.MaxResponseLength)
                throw new TrackerException("tracker reply is too large");
            memory.Write(buffer, 0, n);
        }
        return memory.ToArray();
    }

    private static Uri WithQuery(Uri uri, string query)
    {
        string existing = uri.Query.TrimStart('?');
        var builder = new UriBuilder(uri) { Query = existing.Length > 0 ? existing + "&" + query : query };
        return builder.Uri;
    }

    /// <summary>Percent-encodes raw bytes (info-hash, peer id) as BEP 3 asks.</summary>
    public static string Escape(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder(bytes.Length * 3);
        foreach (byte b in bytes)
        {
            if (b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9' or (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~')
                text.Append((char)b);
            else
                text.Append('%').Append(b.ToString("X2"));
        }
        return text.ToString();
    }
}

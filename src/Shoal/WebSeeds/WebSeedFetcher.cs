using System.Net;
using Shoal.Metainfo;

namespace Shoal.WebSeeds;

/// <summary>
/// How one kind of HTTP seed is asked for a stretch of the torrent's data: BEP 19 range requests
/// per file (<see cref="UrlListFetcher"/>) or BEP 17 piece requests to a script
/// (<see cref="HttpSeedFetcher"/>). Answers are checked to the byte; a failure throws
/// <see cref="HttpRequestException"/>, <see cref="InvalidDataException"/> or <see cref="RetryLaterException"/>.
/// </summary>
internal abstract class WebSeedFetcher(string url, Torrent torrent, HttpClient http)
{
    public string Url => url;
    protected Torrent Torrent => torrent;
    protected HttpClient Http => http;

    /// <summary>Whether one fetch must stay within one piece.</summary>
    public abstract bool PieceBound { get; }

    /// <summary>The <paramref name="length"/> bytes at <paramref name="start"/> in the torrent's piece space.</summary>
    public abstract Task<byte[]> FetchAsync(long start, int length, CancellationToken cancellationToken);

    /// <summary>The longest wait a server may ask for before we try again.</summary>
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromHours(1);

    /// <summary>A 503 whose server says when to come back: <paramref name="after"/>, bounded.</summary>
    protected static RetryLaterException RetryLater(Uri url, TimeSpan? after) =>
        new($"{url}: HTTP 503, busy", after is { } a && a > TimeSpan.Zero ? (a < MaxRetryAfter ? a : MaxRetryAfter) : null);

    /// <summary>Reads exactly <paramref name="into"/>.Length bytes of the body and checks that nothing follows.</summary>
    protected static async Task ReadExactBodyAsync(Uri url, HttpResponseMessage response, Memory<byte> into, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength is long declared && declared != into.Length)
            throw new InvalidDataException($"{url}: the answer is {declared} bytes, not the {into.Length} asked for");
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        int read = 0;
        while (read < into.Length)
        {
            int n = await body.ReadAsync(into[read..], cancellationToken).ConfigureAwait(false);
            if (n == 0)
                throw new InvalidDataException($"{url}: the answer ended after {read} of {into.Length} bytes");
            read += n;
        }
        if (await body.ReadAsync(new byte[1], cancellationToken).ConfigureAwait(false) != 0)
            throw new InvalidDataException($"{url}: the answer is longer than the {into.Length} bytes asked for");
    }

    /// <summary>An HTTP error as an exception (a 503 with a time to come back as <see cref="RetryLaterException"/>).</summary>
    protected static Exception Failure(Uri url, HttpResponseMessage response, TimeSpan? retryAfter) =>
        response.StatusCode == HttpStatusCode.ServiceUnavailable
            ? RetryLater(url, retryAfter)
            : new HttpRequestException($"{url}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
}

/// <summary>A server asked us to come back later (HTTP 503); <see cref="After"/> is when, if it said.</summary>
internal sealed class RetryLaterException(string message, TimeSpan? after) : Exception(message)
{
    public TimeSpan? After => after;
}

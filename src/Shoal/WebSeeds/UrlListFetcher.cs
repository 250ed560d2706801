using System.Net;
using System.Net.Http.Headers;
using Shoal.Metainfo;

namespace Shoal.WebSeeds;

/// <summary>
/// A BEP 19 ('url-list') web seed: a plain HTTP server holding the torrent's files; a stretch of
/// data is one range request per file it touches (padding files are zeros, never asked for).
/// </summary>
internal sealed class UrlListFetcher(string url, Torrent torrent, HttpClient http, TimeProvider? time = null) : WebSeedFetcher(url, torrent, http)
{
    public override bool PieceBound => false;

    public override async Task<byte[]> FetchAsync(long start, int length, CancellationToken cancellationToken)
    {
        var data = new byte[length]; // padding files (never in the ranges) stay zeros
        foreach (var range in Torrent.Space.Ranges(start, length))
        {
            var file = WebSeedUrl.For(Url, Torrent, Torrent.Files[range.File]);
            await FetchRangeAsync(file, range.FileOffset, data.AsMemory(range.BufferOffset, range.Length), cancellationToken).ConfigureAwait(false);
        }
        return data;
    }

    private async Task FetchRangeAsync(Uri url, long offset, Memory<byte> into, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Range = new RangeHeaderValue(offset, offset + into.Length - 1);
        using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.PartialContent)
        {
            throw response.IsSuccessStatusCode
                ? new InvalidDataException($"{url}: HTTP {(int)response.StatusCode} without the range asked for")
                : Failure(url, response, RetryAfter(response));
        }
        if (response.Content.Headers.ContentRange is { } answered && (answered.From != offset || answered.To != offset + into.Length - 1))
            throw new InvalidDataException($"{url}: the server sent bytes {answered.From}-{answered.To}, not {offset}-{offset + into.Length - 1}");
        await ReadExactBodyAsync(url, response, into, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The Retry-After header, as seconds or a date (on the client's clock).</summary>
    private TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - (time ?? TimeProvider.System).GetUtcNow(),
        _ => null,
    };
}

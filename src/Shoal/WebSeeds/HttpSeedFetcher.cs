using System.Globalization;
using System.Net;
using System.Text;
using Shoal.Metainfo;

namespace Shoal.WebSeeds;

/// <summary>
/// A BEP 17 ('httpseeds') seed: a script asked for one piece at a time,
/// <c>URL?info_hash=…&amp;piece=N</c>, with <c>&amp;ranges=A-B</c> (inclusive, within the piece) when
/// only part of it is wanted. It answers 200 with exactly those bytes, or 503 with the seconds to
/// wait as its body. Only for torrents with a v1 info-hash, which is what it is asked by.
/// </summary>
internal sealed class HttpSeedFetcher(string url, Torrent torrent, HttpClient http) : WebSeedFetcher(url, torrent, http)
{
    /// <summary>The most of a 503's body read for its number.</summary>
    private const int MaxRetryBody = 64;

    public override bool PieceBound => true;

    public override async Task<byte[]> FetchAsync(long start, int length, CancellationToken cancellationToken)
    {
        int piece = (int)(start / Torrent.PieceLength);
        long begin = start - ((long)piece * Torrent.PieceLength);
        var uri = PieceUrl(piece, begin, length);
        using var response = await Http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
            throw Failure(uri, response, await RetryAfterAsync(response, cancellationToken).ConfigureAwait(false));
        var data = new byte[length];
        await ReadExactBodyAsync(uri, response, data, cancellationToken).ConfigureAwait(false);
        return data;
    }

    /// <summary>The request for <paramref name="length"/> bytes at <paramref name="begin"/> of <paramref name="piece"/>: no ranges for the whole piece.</summary>
    public Uri PieceUrl(int piece, long begin, int length)
    {
        var query = new StringBuilder(Url.Contains('?') ? "&" : "?");
        query.Append("info_hash=").Append(Escape(Torrent.InfoHashes.V1!.Value.Span));
        query.Append("&piece=").Append(piece.ToString(CultureInfo.InvariantCulture));
        if (begin != 0 || length != Torrent.PieceSize(piece))
            query.Append(CultureInfo.InvariantCulture, $"&ranges={begin}-{begin + length - 1}");
        return new Uri(Url + query);
    }

    /// <summary>Whether a torrent can be asked of a BEP 17 seed: it has a v1 info-hash.</summary>
    public static bool Serves(Torrent torrent) => torrent.InfoHashes.V1 is not null;

    private static string Escape(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder(bytes.Length * 3);
        foreach (byte b in bytes)
        {
            if (char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~')
                text.Append((char)b);
            else
                text.Append(CultureInfo.InvariantCulture, $"%{b:X2}");
        }
        return text.ToString();
    }

    /// <summary>A 503's body: the whole seconds to wait, as ASCII digits (bounded; anything else means no time was given).</summary>
    private static async Task<TimeSpan?> RetryAfterAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.StatusCode != HttpStatusCode.ServiceUnavailable)
            return null;
        var buffer = new byte[MaxRetryBody];
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        int read = 0, n;
        while (read < buffer.Length && (n = await body.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false)) > 0)
            read += n;
        return int.TryParse(Encoding.ASCII.GetString(buffer, 0, read).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int seconds)
            ? TimeSpan.FromSeconds(seconds) : null;
    }
}

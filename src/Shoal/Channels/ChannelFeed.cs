using System.Net.Http.Headers;
using System.Security.Cryptography;
using Shoal.Bencode;
using Shoal.Dht.Items;
using Shoal.Metainfo;

namespace Shoal.Channels;

/// <summary>
/// A channel served over HTTP(S), for networks without a DHT: the publisher writes the version's
/// signed item (the same key, signature and sequence number as in the DHT, as the bencoded
/// dictionary of a BEP 44 put: k, salt, seq, sig, v) to a file or URL, and a follower that knows
/// the channel's link polls it. Nothing unsigned is ever taken: the key and salt must be the
/// link's and the signature must verify.
/// </summary>
public static class ChannelFeed
{
    /// <summary>The most a feed may be (a signed item is well under 1.2 KB).</summary>
    public const int MaxLength = 4096;

    /// <summary>The media type a feed is served with.</summary>
    public const string MediaType = "application/x-bittorrent-channel";

    /// <summary>The feed of <paramref name="version"/>, signed with <paramref name="key"/> for the channel named <paramref name="salt"/>.</summary>
    public static byte[] Create(ChannelKey key, ReadOnlySpan<byte> salt, ChannelVersion version)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(version);
        var item = DhtItem.Sign(key.Key, salt, version.Sequence, ChannelValue.Encode(version.InfoHash));
        return BencodeWriter.Encode(DhtItemWire.Write(item, put: true));
    }

    /// <summary>
    /// The version a feed holds for <paramref name="link"/>; throws <see cref="FormatException"/>
    /// saying what is wrong (not bencode, another key or salt, a signature that does not verify,
    /// a value that is not BEP 46's).
    /// </summary>
    public static ChannelVersion Read(ReadOnlySpan<byte> feed, ChannelLink link)
    {
        ArgumentNullException.ThrowIfNull(link);
        if (feed.Length > MaxLength)
            throw new FormatException($"a channel feed of {feed.Length} bytes (at most {MaxLength})");
        if (!BencodeReader.TryDecode(feed.ToArray(), out var decoded, out var error, new BencodeLimits { MaxDepth = DhtItem.MaxValueDepth + 2, MaxTokens = 2048 })
            || decoded is not BDictionary body)
            throw new FormatException($"the channel feed is not a bencoded dictionary{(error is null ? "" : ": " + error.Message)}");
        if (body["k"] is not BString key || !key.Span.SequenceEqual(link.PublicKey.Span))
            throw new FormatException("the channel feed is not signed with the channel's key (or not signed at all)");
        if (!(body["salt"] is BString salt ? salt.Span : []).SequenceEqual(link.Salt.Span))
            throw new FormatException("the channel feed is for another channel of the key (another salt)");
        DhtItem? item;
        try
        {
            item = DhtItemWire.Read(body, link.Salt.Span);
        }
        catch (DhtItemException e)
        {
            throw new FormatException($"the channel feed's item is refused: {e.Message}", e);
        }
        if (item is not { IsMutable: true })
            throw new FormatException("the channel feed holds no signed value");
        return new ChannelVersion(ChannelValue.Decode(item.Value), item.Sequence);
    }

    /// <summary>
    /// Fetches and reads the feed at <paramref name="url"/> (at most <see cref="MaxLength"/> bytes,
    /// within <paramref name="timeout"/>); throws <see cref="FormatException"/> for what it holds,
    /// <see cref="HttpRequestException"/> or <see cref="TimeoutException"/> for how it was served.
    /// </summary>
    public static async Task<ChannelVersion> FetchAsync(HttpClient http, Uri url, ChannelLink link, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(url);
        if (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)
            throw new FormatException($"a channel feed is an http(s) URL, not {url.Scheme}");
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(MediaType));
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                throw new HttpRequestException($"the channel feed {url} answered {(int)response.StatusCode} {response.ReasonPhrase}");
            if (response.Content.Headers.ContentLength > MaxLength)
                throw new FormatException($"the channel feed {url} is {response.Content.Headers.ContentLength} bytes (at most {MaxLength})");
            await using var body = await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false);
            var buffer = new byte[MaxLength + 1];
            int length = 0;
            int read;
            while (length < buffer.Length && (read = await body.ReadAsync(buffer.AsMemory(length), deadline.Token).ConfigureAwait(false)) > 0)
                length += read;
            return Read(buffer.AsSpan(0, length), link);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"the channel feed {url} did not answer within {timeout.TotalSeconds:0.#} s");
        }
    }

    /// <summary>Writes <paramref name="feed"/> to <paramref name="path"/> atomically (a reader never sees half a feed).</summary>
    public static void Save(string path, byte[] feed)
    {
        string temp = path + ".tmp";
        File.WriteAllBytes(temp, feed);
        File.Move(temp, path, overwrite: true);
    }
}

using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Shoal.Metainfo;

namespace Shoal.Tests.WebSeeds;

/// <summary>
/// A BEP 17 HTTP seed script on Kestrel (127.0.0.1, a port it picks) at <c>/seed.php</c>: it
/// finds the torrent by info_hash and answers a piece, or the ranges of it asked for, from the
/// torrent's files in a folder. <see cref="Busy"/> makes it answer 503 with a number of seconds.
/// </summary>
internal sealed class HttpSeedScript : IAsyncDisposable
{
    private readonly WebApplication _app;

    private HttpSeedScript(WebApplication app) => _app = app;

    /// <summary>Every query string asked, in order.</summary>
    public ConcurrentQueue<QueryString> Requests { get; } = new();

    /// <summary>Given the request number (from 1), the body of a 503 to answer instead (seconds to wait), or null to serve.</summary>
    public Func<int, string?>? Busy { get; set; }

    public string Url { get; private set; } = "";

    public static async Task<HttpSeedScript> StartAsync(Torrent torrent, string folder)
    {
        HttpSeedScript? script = null;
        var (_, url) = await LoopbackKestrel.StartAsync(app => script = new HttpSeedScript(app).Map(app, torrent, folder));
        script!.Url = url + "/seed.php";
        return script;
    }

    private HttpSeedScript Map(WebApplication app, Torrent torrent, string folder)
    {
        var script = this;
        byte[] content = [.. torrent.Files.SelectMany(f => f.IsPadding ? new byte[f.Length] : File.ReadAllBytes(Path.Combine(folder, f.Path)))];
        int count = 0;
        app.MapGet("/seed.php", (HttpContext context) =>
        {
            script.Requests.Enqueue(context.Request.QueryString);
            if (script.Busy?.Invoke(Interlocked.Increment(ref count)) is { } wait)
                return Results.Text(wait, statusCode: 503);
            // info_hash is raw bytes, percent-encoded: read it from the raw query, not as text.
            string raw = context.Request.QueryString.Value!.TrimStart('?');
            string? hash = raw.Split('&').FirstOrDefault(p => p.StartsWith("info_hash=", StringComparison.Ordinal))?[10..];
            if (hash is null || !System.Net.WebUtility.UrlDecodeToBytes(System.Text.Encoding.ASCII.GetBytes(hash), 0, hash.Length).AsSpan().SequenceEqual(torrent.InfoHashes.V1!.Value.Span))
                return Results.NotFound();
            int piece = int.Parse(context.Request.Query["piece"]!, CultureInfo.InvariantCulture);
            long start = (long)piece * torrent.PieceLength;
            var whole = content.AsSpan((int)start, torrent.PieceSize(piece));
            if (context.Request.Query["ranges"].FirstOrDefault() is not { } ranges)
                return Results.Bytes(whole.ToArray(), "application/octet-stream");
            var answer = new List<byte>();
            foreach (var range in ranges.Split(','))
            {
                var ends = range.Split('-').Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray();
                answer.AddRange(whole[ends[0]..(ends[1] + 1)]);
            }
            return Results.Bytes(answer.ToArray(), "application/octet-stream");
        });
        return this;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

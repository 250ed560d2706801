using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Shoal.Tests.WebSeeds;

/// <summary>
/// Kestrel serving a folder with range requests on 127.0.0.1 (a port it picks), as a web seed's
/// HTTP server; <see cref="Fault"/>, <see cref="Redirect"/> and <see cref="Stall"/> let a test make it misbehave per request.
/// </summary>
internal sealed class WebSeedServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WebSeedServer(WebApplication app) => _app = app;

    /// <summary>Every path asked for, in order.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>Given the request number (from 1), a status to answer instead of the file, or null to serve it.</summary>
    public Func<int, int?>? Fault { get; set; }

    /// <summary>Given the path asked for, a path on this server to redirect to (302), or null to serve it.</summary>
    public Func<string, string?>? Redirect { get; set; }

    /// <summary>Given the request number (from 1), whether to hold the request open without answering.</summary>
    public Func<int, bool>? Stall { get; set; }
    /// <summary>Given the request number (from 1), a time to answer 503 with as its Retry-After date, or null to serve.</summary>
    public Func<int, DateTimeOffset?>? BusyUntil { get; set; }

    /// <summary>Awaited before each request is answered (a test holds the server until something else happened).</summary>
    public Func<Task>? Hold { get; set; }

    /// <summary>Serves every range with its first byte flipped: data that fails its hash.</summary>
    public bool Corrupt { get; set; }

    public string Url { get; private set; } = "";

    public static async Task<WebSeedServer> StartAsync(string folder)
    {
        WebSeedServer? server = null;
        var (app, url) = await LoopbackKestrel.StartAsync(app => server = new WebSeedServer(app).Map(app, folder));
        server!.Url = url;
        return server;
    }

    private WebSeedServer Map(WebApplication app, string folder)
    {
        var server = this;
        int count = 0;
        app.MapGet("/{**path}", async (HttpContext context, string path) =>
        {
            server.Requests.Enqueue(path);
            int number = Interlocked.Increment(ref count);
            if (server.Hold is { } hold)
                await hold();
            if (server.Stall?.Invoke(number) == true)
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                return Results.Empty;
            }
            if (server.Fault?.Invoke(number) is int status)
                return Results.StatusCode(status);
            if (server.BusyUntil?.Invoke(number) is { } until)
            {
                context.Response.Headers.RetryAfter = until.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
                return Results.StatusCode(503);
            }
            if (server.Redirect?.Invoke(path) is { } target)
                return Results.Redirect(target);
            string full = Path.GetFullPath(Path.Combine(folder, path));
            if (!full.StartsWith(folder, StringComparison.Ordinal) || !File.Exists(full))
                return Results.NotFound();
            if (server.Corrupt && context.Request.GetTypedHeaders().Range?.Ranges.Single() is { From: long from, To: long to })
            {
                var bytes = File.ReadAllBytes(full)[(int)from..(int)(to + 1)];
                bytes[0] ^= 0xff;
                context.Response.StatusCode = StatusCodes.Status206PartialContent;
                context.Response.Headers.ContentRange = $"bytes {from}-{to}/{new FileInfo(full).Length}";
                return Results.Bytes(bytes, "application/octet-stream");
            }
            return Results.File(full, "application/octet-stream", enableRangeProcessing: true);
        });
        return this;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

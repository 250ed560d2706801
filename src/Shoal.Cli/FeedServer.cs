using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Shoal.Channels;

namespace Shoal.Cli;

/// <summary>`shoal publish --serve`: the channel's current signed item over HTTP, at any path, to followers that poll it.</summary>
internal sealed class FeedServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private byte[] _feed = [];

    private FeedServer(WebApplication app) => _app = app;

    /// <summary>Where followers fetch the feed.</summary>
    public Uri Url { get; private set; } = null!;

    public static async Task<FeedServer> StartAsync(IPEndPoint at)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
            kestrel.Limits.MaxRequestBodySize = 0;
            kestrel.Listen(at);
        });
        var app = builder.Build();
        var server = new FeedServer(app);
        app.Run(server.ServeAsync);
        await app.StartAsync();
        var bound = new Uri(app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features
            .Get<IServerAddressesFeature>()!.Addresses.First());
        server.Url = new UriBuilder(bound) { Path = "/channel" }.Uri;
        return server;
    }

    /// <summary>Serves <paramref name="feed"/> from now on.</summary>
    public void Update(byte[] feed) => Volatile.Write(ref _feed, feed);

    private async Task ServeAsync(HttpContext context)
    {
        var feed = Volatile.Read(ref _feed);
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return;
        }
        if (feed.Length == 0)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }
        context.Response.ContentType = ChannelFeed.MediaType;
        context.Response.ContentLength = feed.Length;
        context.Response.Headers.CacheControl = "no-cache";
        if (HttpMethods.IsGet(context.Request.Method))
            await context.Response.Body.WriteAsync(feed);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

using Microsoft.AspNetCore.Http;

namespace Shoal.Daemon;

/// <summary>
/// The daemon's own web page at / (and its script and style under /web/), behind the same
/// allow-list, password and Host checks as the RPC. The files are built into the assembly.
/// </summary>
public sealed class WebPage(RpcGate gate)
{
    private static readonly Dictionary<string, (string Resource, string Type)> Files = new(StringComparer.Ordinal)
    {
        ["/"] = ("index.html", "text/html; charset=utf-8"),
        ["/web/app.js"] = ("app.js", "text/javascript; charset=utf-8"),
        ["/web/app.css"] = ("app.css", "text/css; charset=utf-8"),
        ["/web/channels.js"] = ("channels.js", "text/javascript; charset=utf-8"),
    };

    private readonly Dictionary<string, byte[]> _content = Files.Values.ToDictionary(f => f.Resource, f => Load(f.Resource));

    public static IEnumerable<string> Paths => Files.Keys;

    public async Task HandleAsync(HttpContext context)
    {
        if (await gate.RefusedAsync(context).ConfigureAwait(false))
            return;
        var (resource, type) = Files[context.Request.Path.Value ?? "/"];
        var headers = context.Response.Headers;
        headers.ContentType = type;
        headers.CacheControl = "no-cache";
        headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        await context.Response.Body.WriteAsync(_content[resource]).ConfigureAwait(false);
    }

    private static byte[] Load(string name)
    {
        using var stream = typeof(WebPage).Assembly.GetManifestResourceStream("Shoal.Daemon.Web." + name)
            ?? throw new InvalidOperationException($"the web page's {name} is not built in");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}

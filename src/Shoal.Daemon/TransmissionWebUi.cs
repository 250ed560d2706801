using Microsoft.AspNetCore.Http;

namespace Shoal.Daemon;

/// <summary>
/// Transmission's own web interface, for those used to it: when its files are installed
/// (<c>$TRANSMISSION_WEB_HOME</c>, else Debian's /usr/share/transmission/web from the
/// transmission-daemon package) they are served at /transmission/web/ as transmission-daemon
/// does, behind the same checks as the RPC, and the interface drives this daemon unchanged.
/// Only files under that folder are served.
/// </summary>
public sealed class TransmissionWebUi(string root, RpcGate gate)
{
    public const string Prefix = "/transmission/web/";

    private static readonly Dictionary<string, string> Types = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8", [".js"] = "text/javascript; charset=utf-8", [".css"] = "text/css; charset=utf-8",
        [".png"] = "image/png", [".gif"] = "image/gif", [".ico"] = "image/x-icon", [".svg"] = "image/svg+xml",
        [".json"] = "application/json", [".webmanifest"] = "application/manifest+json",
    };

    /// <summary>The installed interface's folder, or null when there is none.</summary>
    public static string? Find()
    {
        string? home = Environment.GetEnvironmentVariable("TRANSMISSION_WEB_HOME");
        foreach (string? candidate in new[] { home, "/usr/share/transmission/web", "/usr/share/transmission/public_html" })
        {
            if (!string.IsNullOrEmpty(candidate) && File.Exists(Path.Combine(candidate, "index.html")))
                return Path.GetFullPath(candidate);
        }
        return null;
    }

    public async Task HandleAsync(HttpContext context)
    {
        if (gate.Check(context, requireSession: false) is { } refused)
        {
            context.Response.StatusCode = refused.Status;
            await context.Response.WriteAsync(refused.Text).ConfigureAwait(false);
            return;
        }
        string path = context.Request.Path.Value ?? "";
        if (!path.StartsWith(Prefix, StringComparison.Ordinal))
        {
            context.Response.Redirect(Prefix);
            return;
        }
        string relative = path[Prefix.Length..];
        string file = Path.GetFullPath(Path.Combine(root, relative.Length == 0 ? "index.html" : relative));
        if (!file.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal) || !File.Exists(file)
            || !Types.TryGetValue(Path.GetExtension(file), out string? type))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        context.Response.ContentType = type;
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        await context.Response.SendFileAsync(file).ConfigureAwait(false);
    }
}

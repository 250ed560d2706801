using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;

namespace Shoal.Daemon;

/// <summary>
/// Transmission's checks on an RPC request, in its order: the IP allow-list (403), Basic auth when
/// required (401), the Host header against DNS rebinding (421: an IP literal or localhost passes,
/// other names only when listed; skipped when a password is required, as Transmission does), then
/// the session id (409 with X-Transmission-Session-Id, which the client repeats).
/// </summary>
public sealed class RpcGate(DaemonSettings settings)
{
    public const string SessionHeader = "X-Transmission-Session-Id";

    public string SessionId { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(36)).Replace('/', '_').Replace('+', '-');

    /// <summary>
    /// For what needs no session id (the web page's files, /metrics): false when the request may
    /// go on; else it has been answered with the refusal (status and text) and true is returned.
    /// </summary>
    public async Task<bool> RefusedAsync(HttpContext context)
    {
        if (Check(context, requireSession: false) is not { } refused)
            return false;
        context.Response.StatusCode = refused.Status;
        context.Response.ContentType = "text/html; charset=UTF-8";
        await context.Response.WriteAsync(refused.Text).ConfigureAwait(false);
        return true;
    }

    /// <summary>Null when the request may go on; else the status code and the text to answer. The web page's files need no session id.</summary>
    public (int Status, string Text)? Check(HttpContext context, bool requireSession = true)
    {
        var remote = context.Connection.RemoteIpAddress;
        if (settings.RpcWhitelistEnabled && (remote is null || !Allowed(remote)))
            return (StatusCodes.Status403Forbidden, $"Unauthorized IP Address. Either disable the IP address whitelist or add your address to it.");
        if (settings.RpcAuthenticationRequired && !Authenticated(context.Request.Headers.Authorization.ToString()))
        {
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"Transmission\"";
            return (StatusCodes.Status401Unauthorized, "<h1>401: Unauthorized</h1>Unauthorized User");
        }
        string host = context.Request.Host.Host;
        if (settings.RpcHostWhitelistEnabled && !settings.RpcAuthenticationRequired && !HostAllowed(host))
            return (StatusCodes.Status421MisdirectedRequest, "Transmission received your request, but the hostname was unrecognized.");
        if (requireSession && context.Request.Headers[SessionHeader] != SessionId)
            return (StatusCodes.Status409Conflict, $"<h1>409: Conflict</h1><p>Your request had an invalid session-id header.</p><p><code>{SessionHeader}: {SessionId}</code></p>");
        return null;
    }

    private string? _acceptedAuthorization;

    /// <summary>Basic credentials against the stored hash; the last header that passed is remembered, so a client's every request costs no hashing.</summary>
    private bool Authenticated(string header)
    {
        if (header.Length == 0 || header.Length > 1024)
            return false;
        if (Volatile.Read(ref _acceptedAuthorization) is { } accepted && CryptographicOperations.FixedTimeEquals(
                System.Text.Encoding.UTF8.GetBytes(accepted), System.Text.Encoding.UTF8.GetBytes(header)))
            return true;
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
            return false;
        string credentials;
        try
        {
            credentials = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
        }
        catch (FormatException)
        {
            return false;
        }
        int colon = credentials.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || credentials[..colon] != settings.RpcUsername || !PasswordHash.Verify(credentials[(colon + 1)..], settings.RpcPassword))
            return false;
        Volatile.Write(ref _acceptedAuthorization, header);
        return true;
    }

    private bool Allowed(IPAddress remote)
    {
        if (remote.IsIPv4MappedToIPv6)
            remote = remote.MapToIPv4();
        string text = remote.ToString();
        return settings.RpcWhitelist.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Any(pattern => Wildcard(pattern, text));
    }

    private bool HostAllowed(string host)
    {
        host = host.Trim('[', ']');
        if (IPAddress.TryParse(host, out _) || host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || host.Equals("localhost.", StringComparison.OrdinalIgnoreCase))
            return true;
        return settings.RpcHostWhitelist.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Any(pattern => Wildcard(pattern, host));
    }

    /// <summary>Transmission's patterns: '*' matches any run of characters, '?' one.</summary>
    private static bool Wildcard(string pattern, string text) =>
        System.Text.RegularExpressions.Regex.IsMatch(text,
            "^" + System.Text.RegularExpressions.Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$",
            System.Text.RegularExpressions.RegexOptions.IgnoreCase, TimeSpan.FromMilliseconds(100));
}

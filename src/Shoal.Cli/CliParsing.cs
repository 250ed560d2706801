using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Shoal.Cli;

/// <summary>Parsers for the engine verbs' option values: rates, endpoints, durations, globs.</summary>
public static class CliParsing
{
    /// <summary>A rate in bytes per second ("500KiB", "4MiB", "10MB"); null or "0" for none.</summary>
    public static long Rate(string? text, string option)
    {
        if (text is null)
            return 0;
        if (!ByteSize.TryParse(text, out long bytes))
            throw new UsageException($"{option}: '{text}' is not a rate (bytes per second, e.g. 500KiB, 4MiB, 10MB)");
        return bytes;
    }

    /// <summary>HOST:PORT, [IPv6]:PORT; host names are resolved.</summary>
    public static IPEndPoint EndPoint(string text)
    {
        if (IPEndPoint.TryParse(text, out var endPoint) && endPoint.Port > 0)
            return endPoint;
        int colon = text.LastIndexOf(':');
        if (colon > 0 && int.TryParse(text[(colon + 1)..], CultureInfo.InvariantCulture, out int port) && port is > 0 and <= 65535)
        {
            string host = text[..colon].Trim('[', ']');
            var addresses = Dns.GetHostAddresses(host);
            if (addresses.Length > 0)
                return new IPEndPoint(addresses[0], port);
        }
        throw new UsageException($"--peer: '{text}' is not HOST:PORT");
    }

    /// <summary>"90", "90s", "15m", "2h", "1d" as a duration.</summary>
    public static TimeSpan Duration(string text, string option)
    {
        var match = Regex.Match(text.Trim(), @"^(\d+(?:\.\d+)?)\s*(s|m|h|d)?$", RegexOptions.IgnoreCase);
        if (!match.Success)
            throw new UsageException($"{option}: '{text}' is not a duration (e.g. 90s, 15m, 2h)");
        double value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value.ToLowerInvariant() switch
        {
            "m" => TimeSpan.FromMinutes(value),
            "h" => TimeSpan.FromHours(value),
            "d" => TimeSpan.FromDays(value),
            _ => TimeSpan.FromSeconds(value),
        };
    }

    /// <summary>
    /// A file glob as a regex over '/'-separated paths: '*' within a folder, '**' across folders,
    /// '?' one character. A pattern without '/' matches a file name at any depth.
    /// </summary>
    public static Regex Glob(string pattern)
    {
        var text = new System.Text.StringBuilder("^");
        if (!pattern.Contains('/'))
            text.Append("(?:.*/)?");
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                text.Append(".*");
                i++;
                if (i + 1 < pattern.Length && pattern[i + 1] == '/')
                    i++; // "**/" also matches no folder
            }
            else if (c == '*')
                text.Append("[^/]*");
            else if (c == '?')
                text.Append("[^/]");
            else
                text.Append(Regex.Escape(c.ToString()));
        }
        return new Regex(text.Append('$').ToString(), RegexOptions.CultureInvariant);
    }

    public static IPAddress[] BindAddresses(string[]? bind)
    {
        if (bind is null || bind.Length == 0)
            return [IPAddress.IPv6Any];
        return [.. bind.Select(b => IPAddress.TryParse(b, out var a) ? a : throw new UsageException($"--bind: '{b}' is not an IP address"))];
    }
}

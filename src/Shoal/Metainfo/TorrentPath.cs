using System.Text;

namespace Shoal.Metainfo;

/// <summary>
/// Rules for path components taken from a torrent. A component that could escape the download
/// folder or name something other than a plain file on some platform is rejected.
/// </summary>
internal static class TorrentPath
{
    public const int MaxComponentBytes = 255;
    public const int MaxDepth = 64;

    private static readonly HashSet<string> ReservedNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "CON", "PRN", "AUX", "NUL",
        "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
        "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
    };

    /// <summary>Returns why <paramref name="component"/> is unsafe, or null when it is fine.</summary>
    public static string? Problem(string component)
    {
        if (component.Length == 0)
            return "empty path component";
        if (component is "." or "..")
            return $"path component '{component}' would escape the download folder";
        if (component.Contains('/') || component.Contains('\\'))
            return $"path component '{component}' contains a path separator";
        if (component.Contains('\0'))
            return "path component contains a NUL character";
        if (component.Length >= 2 && component[1] == ':' && char.IsAsciiLetter(component[0]))
            return $"path component '{component}' is a drive letter";
        if (Encoding.UTF8.GetByteCount(component) > MaxComponentBytes)
            return $"path component longer than {MaxComponentBytes} bytes";
        int dot = component.IndexOf('.');
        string stem = (dot < 0 ? component : component[..dot]).TrimEnd(' ');
        if (ReservedNames.Contains(stem))
            return $"path component '{component}' is a reserved device name";
        return null;
    }

    /// <summary>Throws when any component is unsafe.</summary>
    public static void Validate(string field, IReadOnlyList<string> components)
    {
        if (components.Count == 0)
            throw new TorrentFormatException(field, "empty path");
        if (components.Count > MaxDepth)
            throw new TorrentFormatException(field, $"path deeper than {MaxDepth} components");
        foreach (var component in components)
        {
            if (Problem(component) is { } problem)
                throw new TorrentFormatException(field, problem);
        }
    }

    /// <summary>Decodes a name from a torrent; invalid UTF-8 sequences become U+FFFD (sanitised, as BEP 52 asks).</summary>
    public static string Decode(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);
}

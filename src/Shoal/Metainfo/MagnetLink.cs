using System.Text;

namespace Shoal.Metainfo;

/// <summary>
/// A magnet link (BEP 9, BEP 53): v1 'xt=urn:btih:' (hex or base32), v2 'xt=urn:btmh:1220…',
/// or both for a hybrid; 'dn', repeated 'tr', 'ws', 'x.pe' and 'so'.
/// </summary>
public sealed class MagnetLink
{
    /// <summary>The longest magnet link parsed, in characters.</summary>
    public const int MaxLength = 64 * 1024;

    /// <summary>The torrent's v1 and/or v2 info-hashes (xt=urn:btih, urn:btmh).</summary>
    public required InfoHashes InfoHashes { get; init; }
    /// <summary>The name to show until the metadata is known (dn).</summary>
    public string? DisplayName { get; init; }
    /// <summary>Tracker URLs (tr), each a tier of its own.</summary>
    public IReadOnlyList<string> Trackers { get; init; } = [];
    /// <summary>Web seed URLs (ws).</summary>
    public IReadOnlyList<string> WebSeeds { get; init; } = [];
    /// <summary>'x.pe' peer addresses (host:port) to contact directly.</summary>
    public IReadOnlyList<string> Peers { get; init; } = [];
    /// <summary>'so' (BEP 53): the file indices to download, or null for all.</summary>
    public IReadOnlyList<int>? SelectOnly { get; init; }

    /// <summary>True when <paramref name="text"/> looks like a magnet link (it may still fail to parse).</summary>
    public static bool IsMagnet(string text) => text.StartsWith("magnet:?", StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses a magnet link; throws <see cref="TorrentFormatException"/> saying what is wrong.</summary>
    public static MagnetLink Parse(string text)
    {
        if (text.Length > MaxLength)
            throw new TorrentFormatException("magnet", $"longer than {MaxLength} characters");
        if (!IsMagnet(text))
            throw new TorrentFormatException("magnet", "does not start with 'magnet:?'");
        InfoHash? v1 = null, v2 = null;
        string? name = null;
        var trackers = new List<string>();
        var webSeeds = new List<string>();
        var peers = new List<string>();
        List<int>? selectOnly = null;

        foreach (var pair in text[8..].Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = pair.IndexOf('=');
            if (eq <= 0)
                continue;
            string key = pair[..eq];
            string value = Unescape(pair[(eq + 1)..], key);
            switch (key)
            {
                case "xt":
                    ParseExactTopic(value, ref v1, ref v2);
                    break;
                case "dn":
                    name = value;
                    break;
                case "tr":
                    if (value.Length > 0 && !trackers.Contains(value))
                        trackers.Add(value);
                    break;
                case "ws":
                    if (value.Length > 0)
                        webSeeds.Add(value);
                    break;
                case "x.pe":
                    if (value.Length > 0)
                        peers.Add(value);
                    break;
                case "so":
                    selectOnly = ParseSelectOnly(value);
                    break;
                default:
                    break; // unknown parameters are ignored, as BEP 9 expects
            }
        }
        if (v1 is null && v2 is null)
            throw new TorrentFormatException("magnet xt", "no 'urn:btih:' or 'urn:btmh:' info-hash");
        return new MagnetLink
        {
            InfoHashes = new InfoHashes(v1, v2),
            DisplayName = name,
            Trackers = trackers,
            WebSeeds = webSeeds,
            Peers = peers,
            SelectOnly = selectOnly,
        };
    }

    /// <summary>Parses a magnet link, giving the error instead of throwing it.</summary>
    public static bool TryParse(string text, out MagnetLink? magnet, out TorrentFormatException? error)
    {
        try
        {
            magnet = Parse(text);
            error = null;
            return true;
        }
        catch (TorrentFormatException e)
        {
            magnet = null;
            error = e;
            return false;
        }
    }

    private static void ParseExactTopic(string value, ref InfoHash? v1, ref InfoHash? v2)
    {
        if (value.StartsWith("urn:btih:", StringComparison.OrdinalIgnoreCase))
        {
            string hash = value[9..];
            if (v1 is not null)
                throw new TorrentFormatException("magnet xt", "more than one 'urn:btih:' info-hash");
            if (hash.Length == 40 && IsHex(hash))
                v1 = InfoHash.FromHex(hash);
            else if (hash.Length == 32 && Base32.TryDecode(hash, out var bytes))
                v1 = new InfoHash(bytes);
            else
                throw new TorrentFormatException("magnet xt", $"'urn:btih:' needs 40 hex or 32 base32 characters, got '{Truncate(hash)}'");
        }
        else if (value.StartsWith("urn:btmh:", StringComparison.OrdinalIgnoreCase))
        {
            string multihash = value[9..];
            if (v2 is not null)
                throw new TorrentFormatException("magnet xt", "more than one 'urn:btmh:' info-hash");
            // A multihash: 0x12 (sha2-256), 0x20 (32 bytes), then the digest.
            if (multihash.Length != 68 || !IsHex(multihash) || !multihash.StartsWith("1220", StringComparison.Ordinal))
                throw new TorrentFormatException("magnet xt", $"'urn:btmh:' needs a sha2-256 multihash ('1220' and 64 hex digits), got '{Truncate(multihash)}'");
            v2 = InfoHash.FromHex(multihash[4..]);
        }
        // Other URNs (e.g. ed2k) are not ours; ignore them.
    }

    private static List<int> ParseSelectOnly(string value)
    {
        const int MaxIndex = 1_000_000;
        var result = new SortedSet<int>();
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var bounds = part.Split('-');
            int last = 0;
            if (bounds.Length > 2 || !int.TryParse(bounds[0], System.Globalization.NumberStyles.None, null, out int first)
                || (bounds.Length == 2 && !int.TryParse(bounds[1], System.Globalization.NumberStyles.None, null, out last)))
                throw new TorrentFormatException("magnet so", $"'{Truncate(part)}' is not an index or a range");
            if (bounds.Length == 1)
                last = first;
            if (last < first || last > MaxIndex)
                throw new TorrentFormatException("magnet so", $"bad range '{Truncate(part)}'");
            if (result.Count + (last - first + 1) > MaxIndex)
                throw new TorrentFormatException("magnet so", "too many file indices");
            for (int i = first; i <= last; i++)
                result.Add(i);
        }
        return [.. result];
    }

    private static string Unescape(string value, string key)
    {
        try
        {
            // '+' means space in query strings; tracker URLs keep theirs.
            return Uri.UnescapeDataString(key is "dn" ? value.Replace('+', ' ') : value);
        }
        catch (UriFormatException e)
        {
            throw new TorrentFormatException($"magnet {key}", "bad percent-encoding", e);
        }
    }

    private static bool IsHex(string s) => s.All(char.IsAsciiHexDigit);
    private static string Truncate(string s) => s.Length <= 80 ? s : s[..80] + "…";

    /// <summary>The magnet link of a torrent: its info-hashes, name, trackers and web seeds.</summary>
    public static MagnetLink FromTorrent(Torrent torrent) => new()
    {
        InfoHashes = torrent.InfoHashes,
        DisplayName = torrent.Name,
        Trackers = [.. torrent.Trackers.SelectMany(t => t)],
        WebSeeds = torrent.WebSeeds,
    };

    /// <summary>Formats the link; hybrid torrents carry both 'btih' and 'btmh'.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder("magnet:?");
        bool first = true;
        void Add(string key, string value)
        {
            if (!first)
                sb.Append('&');
            first = false;
            sb.Append(key).Append('=').Append(value);
        }
        if (InfoHashes.V1 is { } v1)
            Add("xt", "urn:btih:" + v1.ToHex());
        if (InfoHashes.V2 is { } v2)
            Add("xt", "urn:btmh:1220" + v2.ToHex());
        if (DisplayName is not null)
            Add("dn", Uri.EscapeDataString(DisplayName));
        foreach (var tracker in Trackers)
            Add("tr", Uri.EscapeDataString(tracker));
        foreach (var seed in WebSeeds)
            Add("ws", Uri.EscapeDataString(seed));
        foreach (var peer in Peers)
            Add("x.pe", Uri.EscapeDataString(peer));
        if (SelectOnly is { Count: > 0 })
            Add("so", FormatRanges(SelectOnly));
        return sb.ToString();
    }

    private static string FormatRanges(IReadOnlyList<int> indices)
    {
        var parts = new List<string>();
        int i = 0;
        while (i < indices.Count)
        {
            int j = i;
            while (j + 1 < indices.Count && indices[j + 1] == indices[j] + 1)
                j++;
            parts.Add(i == j ? $"{indices[i]}" : $"{indices[i]}-{indices[j]}");
            i = j + 1;
        }
        return string.Join(',', parts);
    }
}

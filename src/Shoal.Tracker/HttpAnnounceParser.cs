using System.Globalization;
using System.Net;

namespace Shoal.Tracker;

/// <summary>
/// Pure parser for HTTP announce and scrape query strings (BEP 3, 23, 7, 48). It decodes the raw
/// percent-encoded bytes itself (an info-hash is binary, not UTF-8), bounds every field, and
/// throws <see cref="TrackerRequestException"/> with a reason a client can show.
/// </summary>
public static class HttpAnnounceParser
{
    public const int MaxQueryLength = 4096;
    public const int MaxNumWant = 200;
    public const int DefaultNumWant = 50;
    public const int MaxScrapeHashes = 100;

    public static TrackerAnnounce ParseAnnounce(string query, IPAddress remote, bool trustIpParameter)
    {
        var fields = Fields(query);
        byte[] infoHash = Required(fields, "info_hash");
        byte[] peerId = Required(fields, "peer_id");
        if (peerId.Length != 20)
            throw new TrackerRequestException($"peer_id must be 20 bytes, not {peerId.Length}");
        int port = (int)Number(fields, "port", 1, 65535, required: true);
        var address = remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote;
        if (trustIpParameter && Text(fields, "ip") is { } ip)
        {
            if (!IPAddress.TryParse(ip, out var given))
                throw new TrackerRequestException("ip is not an IP address");
            address = given;
        }
        var announceEvent = Text(fields, "event") switch
        {
            null or "" or "empty" => AnnounceEvent.None,
            "started" => AnnounceEvent.Started,
            "completed" => AnnounceEvent.Completed,
            "stopped" => AnnounceEvent.Stopped,
            "paused" => AnnounceEvent.None,
            var other => throw new TrackerRequestException($"unknown event '{Truncate(other)}'"),
        };
        return new TrackerAnnounce(
            InfoHashKey.From(infoHash), peerId, address, port,
            Number(fields, "uploaded", 0, long.MaxValue),
            Number(fields, "downloaded", 0, long.MaxValue),
            Number(fields, "left", 0, long.MaxValue, required: true),
            announceEvent,
            (int)Math.Min(MaxNumWant, Number(fields, "numwant", 0, int.MaxValue, fallback: DefaultNumWant)),
            Text(fields, "compact") != "0",
            Text(fields, "no_peer_id") == "1");
    }

    /// <summary>The info-hashes of a scrape (none means a full scrape).</summary>
    public static List<InfoHashKey> ParseScrape(string query)
    {
        var hashes = new List<InfoHashKey>();
        foreach (var (name, value) in Pairs(query))
        {
            if (name != "info_hash")
                continue;
            if (hashes.Count == MaxScrapeHashes)
                throw new TrackerRequestException($"at most {MaxScrapeHashes} info_hash values per scrape");
            hashes.Add(InfoHashKey.From(value));
        }
        return hashes;
    }

    private static Dictionary<string, byte[]> Fields(string query)
    {
        var fields = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (name, value) in Pairs(query))
            fields.TryAdd(name, value); // the first of a repeated key counts
        return fields;
    }

    private static IEnumerable<(string Name, byte[] Value)> Pairs(string query)
    {
        if (query.Length > MaxQueryLength)
            throw new TrackerRequestException($"request of {query.Length} characters is too long");
        if (query.StartsWith('?'))
            query = query[1..];
        int pairs = 0;
        foreach (var part in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            if (++pairs > 64)
                throw new TrackerRequestException("too many parameters");
            int eq = part.IndexOf('=');
            string name = eq < 0 ? part : part[..eq];
            string value = eq < 0 ? "" : part[(eq + 1)..];
            yield return (System.Text.Encoding.ASCII.GetString(Decode(name)), Decode(value));
        }
    }

    /// <summary>Percent-decoding to raw bytes; '+' is a space. A broken escape is an error.</summary>
    public static byte[] Decode(string text)
    {
        var bytes = new List<byte>(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '%')
            {
                if (i + 2 >= text.Length || !byte.TryParse(text.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out byte b))
                    throw new TrackerRequestException("bad percent escape in the request");
                bytes.Add(b);
                i += 2;
            }
            else if (c == '+')
                bytes.Add((byte)' ');
            else if (c > 0x7F)
                throw new TrackerRequestException("non-ASCII character in the request");
            else
                bytes.Add((byte)c);
        }
        return [.. bytes];
    }

    private static byte[] Required(Dictionary<string, byte[]> fields, string name) =>
        fields.TryGetValue(name, out var value) ? value : throw new TrackerRequestException($"missing {name}");

    private static string? Text(Dictionary<string, byte[]> fields, string name) =>
        fields.TryGetValue(name, out var value) ? System.Text.Encoding.ASCII.GetString(value) : null;

    private static long Number(Dictionary<string, byte[]> fields, string name, long min, long max, bool required = false, long fallback = 0)
    {
        string? text = Text(fields, name);
        if (text is null)
            return required ? throw new TrackerRequestException($"missing {name}") : fallback;
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value) || value < min || value > max)
            throw new TrackerRequestException($"{name} must be a number from {min} to {max}");
        return value;
    }

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "…";
}

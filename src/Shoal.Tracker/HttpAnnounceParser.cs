using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;

namespace Shoal.Tracker;

/// <summary>
/// Pure parser for HTTP announce and scrape query strings (BEP 3, 23, 7, 48). It walks the
/// query in place and percent-decodes each value into a stack buffer (an info-hash is binary,
/// not UTF-8), bounds every field, and throws <see cref="TrackerRequestException"/> with a
/// reason a client can show. The first of a repeated parameter counts.
/// </summary>
[SkipLocalsInit]
public static class HttpAnnounceParser
{
    public const int MaxQueryLength = 4096;
    public const int MaxNumWant = 200;
    public const int DefaultNumWant = 50;
    public const int MaxScrapeHashes = 100;
    private const int MaxParameters = 64;

    private enum Field { InfoHash, PeerId, Port, Uploaded, Downloaded, Left, Event, NumWant, Compact, NoPeerId, Ip, Count }

    public static TrackerAnnounce ParseAnnounce(ReadOnlySpan<char> query, IPAddress remote, bool trustIpParameter)
    {
        Span<byte> infoHash = stackalloc byte[20], peerId = stackalloc byte[20], scratch = stackalloc byte[MaxQueryLength];
        Span<long> numbers = stackalloc long[(int)Field.Count];
        Span<bool> seen = stackalloc bool[(int)Field.Count];
        seen.Clear();
        numbers.Clear();
        var announceEvent = AnnounceEvent.None;
        bool compact = true, noPeerId = false;
        string? ip = null;
        var pairs = new QueryPairs(query);
        while (pairs.MoveNext(out var rawName, out var rawValue))
        {
            if (rawName.Length > 48)
                continue; // longer than any name we know, even percent-encoded
            var field = FieldOf(scratch[..Decode(rawName, scratch)]);
            if (field == Field.Count || seen[(int)field])
                continue;
            seen[(int)field] = true;
            var value = scratch[..Decode(rawValue, scratch)];
            switch (field)
            {
                case Field.InfoHash:
                    if (value.Length != 20)
                        throw new TrackerRequestException($"info_hash must be 20 bytes, not {value.Length}");
                    value.CopyTo(infoHash);
                    break;
                case Field.PeerId:
                    if (value.Length != 20)
                        throw new TrackerRequestException($"peer_id must be 20 bytes, not {value.Length}");
                    value.CopyTo(peerId);
                    break;
                case Field.Port:
                    numbers[(int)field] = Number(value, "port", 1, 65535);
                    break;
                case Field.Uploaded:
                    numbers[(int)field] = Number(value, "uploaded", 0, long.MaxValue);
                    break;
                case Field.Downloaded:
                    numbers[(int)field] = Number(value, "downloaded", 0, long.MaxValue);
                    break;
                case Field.Left:
                    numbers[(int)field] = Number(value, "left", 0, long.MaxValue);
                    break;
                case Field.NumWant:
                    numbers[(int)field] = Math.Min(MaxNumWant, Number(value, "numwant", 0, int.MaxValue));
                    break;
                case Field.Event:
                    announceEvent = EventOf(value);
                    break;
                case Field.Compact:
                    compact = !value.SequenceEqual("0"u8);
                    break;
                case Field.NoPeerId:
                    noPeerId = value.SequenceEqual("1"u8);
                    break;
                case Field.Ip:
                    ip = Encoding.ASCII.GetString(value);
                    break;
            }
        }
        if (!seen[(int)Field.InfoHash])
            throw new TrackerRequestException("missing info_hash");
        if (!seen[(int)Field.PeerId])
            throw new TrackerRequestException("missing peer_id");
        if (!seen[(int)Field.Port])
            throw new TrackerRequestException("missing port");
        if (!seen[(int)Field.Left])
            throw new TrackerRequestException("missing left");
        var address = remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote;
        if (trustIpParameter && ip is not null)
        {
            if (!IPAddress.TryParse(ip, out var given))
                throw new TrackerRequestException("ip is not an IP address");
            address = given;
        }
        return new TrackerAnnounce(
            InfoHashKey.From(infoHash), PeerId20.From(peerId), PeerEndpoint.From(address, (int)numbers[(int)Field.Port]),
            numbers[(int)Field.Uploaded], numbers[(int)Field.Downloaded], numbers[(int)Field.Left], announceEvent,
            seen[(int)Field.NumWant] ? (int)numbers[(int)Field.NumWant] : DefaultNumWant, compact, noPeerId);
    }

    private static readonly byte[][] FieldNames =
        [.. new[] { "info_hash", "peer_id", "port", "uploaded", "downloaded", "left", "event", "numwant", "compact", "no_peer_id", "ip" }.Select(Encoding.ASCII.GetBytes)];

    private static Field FieldOf(ReadOnlySpan<byte> name)
    {
        for (int i = 0; i < FieldNames.Length; i++)
        {
            if (name.SequenceEqual(FieldNames[i]))
                return (Field)i;
        }
        return Field.Count;
    }

    private static AnnounceEvent EventOf(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty || value.SequenceEqual("empty"u8) || value.SequenceEqual("paused"u8))
            return AnnounceEvent.None;
        if (value.SequenceEqual("started"u8))
            return AnnounceEvent.Started;
        if (value.SequenceEqual("completed"u8))
            return AnnounceEvent.Completed;
        if (value.SequenceEqual("stopped"u8))
            return AnnounceEvent.Stopped;
        throw new TrackerRequestException($"unknown event '{Truncate(Encoding.ASCII.GetString(value))}'");
    }

    /// <summary>The info-hashes of a scrape (none means a full scrape).</summary>
    public static List<InfoHashKey> ParseScrape(ReadOnlySpan<char> query)
    {
        var hashes = new List<InfoHashKey>();
        Span<byte> scratch = stackalloc byte[MaxQueryLength];
        var pairs = new QueryPairs(query);
        while (pairs.MoveNext(out var name, out var value))
        {
            if (!name.SequenceEqual("info_hash"))
                continue;
            if (hashes.Count == MaxScrapeHashes)
                throw new TrackerRequestException($"at most {MaxScrapeHashes} info_hash values per scrape");
            hashes.Add(InfoHashKey.From(scratch[..Decode(value, scratch)]));
        }
        return hashes;
    }

    /// <summary>The raw name=value pairs of a query, bounded in length and count.</summary>
    private ref struct QueryPairs
    {
        private ReadOnlySpan<char> _rest;
        private int _count;

        public QueryPairs(ReadOnlySpan<char> query)
        {
            if (query.Length > MaxQueryLength)
                throw new TrackerRequestException($"request of {query.Length} characters is too long");
            _rest = query.StartsWith('?') ? query[1..] : query;
        }

        public bool MoveNext(out ReadOnlySpan<char> name, out ReadOnlySpan<char> value)
        {
            while (!_rest.IsEmpty)
            {
                int amp = _rest.IndexOf('&');
                var part = amp < 0 ? _rest : _rest[..amp];
                _rest = amp < 0 ? default : _rest[(amp + 1)..];
                if (part.IsEmpty)
                    continue;
                if (++_count > MaxParameters)
                    throw new TrackerRequestException("too many parameters");
                int eq = part.IndexOf('=');
                name = eq < 0 ? part : part[..eq];
                value = eq < 0 ? default : part[(eq + 1)..];
                return true;
            }
            name = value = default;
            return false;
        }
    }

    /// <summary>Percent-decodes <paramref name="text"/> into <paramref name="into"/> ('+' is a space); returns the length. A broken escape is an error.</summary>
    private static int Decode(ReadOnlySpan<char> text, Span<byte> into)
    {
        int n = 0;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '%')
            {
                if (i + 2 >= text.Length || !byte.TryParse(text.Slice(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte b))
                    throw new TrackerRequestException("bad percent escape in the request");
                into[n++] = b;
                i += 2;
            }
            else if (c == '+')
                into[n++] = (byte)' ';
            else if (c > 0x7F)
                throw new TrackerRequestException("non-ASCII character in the request");
            else
                into[n++] = (byte)c;
        }
        return n;
    }

    private static long Number(ReadOnlySpan<byte> text, string name, long min, long max)
    {
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value) || value < min || value > max)
            throw new TrackerRequestException($"{name} must be a number from {min} to {max}");
        return value;
    }

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "…";
}

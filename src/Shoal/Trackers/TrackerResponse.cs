using System.Net;
using Shoal.Bencode;
using Shoal.Net;

namespace Shoal.Trackers;

/// <summary>
/// Pure parsers for HTTP tracker replies: announce (BEP 3, compact peers BEP 23, 'peers6'
/// BEP 7, dictionary peer lists, trackerid, failure and warning) and scrape (BEP 48).
/// </summary>
internal static class TrackerResponse
{
    public const int MaxResponseLength = 4 * 1024 * 1024;
    public const int MaxPeers = 10_000;
    private static readonly BencodeLimits Limits = new() { MaxDepth = 8, MaxTokens = 200_000 };

    /// <summary>Parses an announce reply; throws <see cref="TrackerException"/> for failures and malformed replies.</summary>
    public static AnnounceResponse ParseAnnounce(ReadOnlySpan<byte> body)
    {
        var dict = Decode(body);
        if (dict["failure reason"] is BString failure)
            throw new TrackerException($"tracker failure: {Truncate(failure.Text)}");
        if (dict["interval"] is not BInteger { Value: >= 0 } interval)
            throw new TrackerException("tracker reply has no 'interval'");
        var peers = new List<IPEndPoint>();
        switch (dict["peers"])
        {
            case BString compact:
                ReadCompact(compact.Span, 4, peers);
                break;
            case BList list:
                foreach (var item in list.Items)
                {
                    if (peers.Count >= MaxPeers)
                        break;
                    if (item is BDictionary peer && peer["ip"] is BString ip && peer["port"] is BInteger { Value: > 0 and <= 65535 } port
                        && IPAddress.TryParse(ip.Text, out var address))
                        peers.Add(new IPEndPoint(address, (int)port.Value));
                }
                break;
            case null:
                break;
            default:
                throw new TrackerException("tracker reply has a 'peers' that is neither a string nor a list");
        }
        if (dict["peers6"] is BString compact6)
            ReadCompact(compact6.Span, 16, peers);
        return new AnnounceResponse(
            TimeSpan.FromSeconds(Math.Min(interval.Value, 86_400)),
            dict["min interval"] is BInteger { Value: >= 0 } min ? TimeSpan.FromSeconds(Math.Min(min.Value, 86_400)) : null,
            peers,
            Count(dict["complete"]),
            Count(dict["incomplete"]),
            dict["tracker id"] is BString id ? id.Text : null,
            dict["warning message"] is BString warning ? Truncate(warning.Text) : null);
    }

    /// <summary>Parses a scrape reply and returns the entry for <paramref name="infoHash"/>, or null when absent.</summary>
    public static ScrapeResult? ParseScrape(ReadOnlySpan<byte> body, ReadOnlySpan<byte> infoHash)
    {
        var dict = Decode(body);
        if (dict["failure reason"] is BString failure)
            throw new TrackerException($"tracker failure: {Truncate(failure.Text)}");
        if (dict["files"] is not BDictionary files)
            throw new TrackerException("scrape reply has no 'files'");
        if (files.Get(infoHash) is not BDictionary entry)
            return null;
        return new ScrapeResult(Count(entry["complete"]) ?? 0, Count(entry["downloaded"]) ?? 0, Count(entry["incomplete"]) ?? 0);
    }

    /// <summary>Reads compact peers (6 bytes each for IPv4, 18 for IPv6); a trailing partial entry is an error.</summary>
    public static void ReadCompact(ReadOnlySpan<byte> data, int addressLength, List<IPEndPoint> peers)
    {
        int entry = addressLength + 2;
        if (data.Length % entry != 0)
            throw new TrackerException($"compact peer list of {data.Length} bytes is not a multiple of {entry}");
        for (int at = 0; at < data.Length && peers.Count < MaxPeers; at += entry)
        {
            var peer = CompactPeer.Read(data.Slice(at, entry));
            if (peer.Port != 0)
                peers.Add(peer);
        }
    }

    private static BDictionary Decode(ReadOnlySpan<byte> body)
    {
        if (body.Length > MaxResponseLength)
            throw new TrackerException($"tracker reply of {body.Length} bytes is too large");
        try
        {
            return BencodeReader.Decode(body.ToArray(), Limits) as BDictionary
                ?? throw new TrackerException("tracker reply is not a dictionary");
        }
        catch (BencodeException e)
        {
            throw new TrackerException($"tracker reply is not valid bencode: {e.Message}");
        }
    }

    private static int? Count(BValue? value) => value is BInteger { Value: >= 0 and <= int.MaxValue } i ? (int)i.Value : null;

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "…";
}

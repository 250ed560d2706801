using Shoal.Bencode;

namespace Shoal.Tracker;

/// <summary>Bencoded HTTP replies: announce (compact BEP 23 with 'peers6' BEP 7, or dictionaries), scrape, failure.</summary>
public static class TrackerResponses
{
    public static byte[] Failure(string reason)
    {
        var dict = new BDictionary();
        dict.Set("failure reason", new BString(reason));
        return BencodeWriter.Encode(dict);
    }

    public static byte[] Announce(AnnounceResult result, TrackerAnnounce announce, TimeSpan interval, TimeSpan minInterval)
    {
        var dict = new BDictionary();
        dict.Set("complete", new BInteger(result.Seeders));
        dict.Set("incomplete", new BInteger(result.Leechers));
        dict.Set("downloaded", new BInteger(result.Completed));
        dict.Set("interval", new BInteger((long)interval.TotalSeconds));
        dict.Set("min interval", new BInteger((long)minInterval.TotalSeconds));
        if (announce.Compact)
        {
            dict.Set("peers", new BString(Compact(result.Peers, v4: true)));
            if (result.Peers.Any(p => !p.Endpoint.IsV4))
                dict.Set("peers6", new BString(Compact(result.Peers, v4: false)));
        }
        else
        {
            var list = new BList();
            foreach (var peer in result.Peers)
            {
                var entry = new BDictionary();
                entry.Set("ip", new BString(peer.Endpoint.ToIPAddress().ToString()));
                if (!announce.NoPeerId)
                    entry.Set("peer id", new BString(peer.PeerId.ToArray()));
                entry.Set("port", new BInteger(peer.Endpoint.Port));
                list.Add(entry);
            }
            dict.Set("peers", list);
        }
        return BencodeWriter.Encode(dict);
    }

    /// <summary>The most a compact announce reply takes (200 IPv6 peers and the counts).</summary>
    public const int MaxCompactAnnounce = 4096;

    /// <summary>
    /// A compact announce reply (BEP 23 'peers', BEP 7 'peers6'), written straight into
    /// <paramref name="into"/> with the keys in bencode order; returns its length. Same bytes
    /// as the dictionary-built form, without building one.
    /// </summary>
    public static int AnnounceCompact(Span<byte> into, AnnounceCounts counts, ReadOnlySpan<SampledPeer> peers, TimeSpan interval, TimeSpan minInterval)
    {
        // Each call returns the writer with its length advanced; chains are assigned back.
        var w = new Writer(into);
        w = w.Raw("d8:completei"u8).Number(counts.Seeders).Raw("e10:downloadedi"u8).Number(counts.Completed)
            .Raw("e10:incompletei"u8).Number(counts.Leechers).Raw("e8:intervali"u8).Number((long)interval.TotalSeconds)
            .Raw("e12:min intervali"u8).Number((long)minInterval.TotalSeconds).Raw("e5:peers"u8);
        int v4 = 0;
        foreach (var peer in peers)
            v4 += peer.Endpoint.IsV4 ? 1 : 0;
        w = w.Number(v4 * 6).Raw(":"u8).Peers(peers, v4: true);
        if (v4 < peers.Length)
            w = w.Raw("6:peers6"u8).Number((peers.Length - v4) * 18).Raw(":"u8).Peers(peers, v4: false);
        return w.Raw("e"u8).Length;
    }

    private ref struct Writer(Span<byte> into)
    {
        private readonly Span<byte> _into = into;
        public int Length;

        public Writer Raw(ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(_into[Length..]);
            Length += bytes.Length;
            return this;
        }

        public Writer Number(long value)
        {
            value.TryFormat(_into[Length..], out int written, default, System.Globalization.CultureInfo.InvariantCulture);
            Length += written;
            return this;
        }

        public Writer Peers(ReadOnlySpan<SampledPeer> peers, bool v4)
        {
            foreach (var peer in peers)
            {
                if (peer.Endpoint.IsV4 == v4)
                    Length += peer.Endpoint.WriteCompact(_into[Length..]);
            }
            return this;
        }
    }

    /// <summary>Compact peers of one family (BEP 23 'peers' or BEP 7 'peers6'): address bytes then the port, big-endian.</summary>
    public static byte[] Compact(IReadOnlyList<SampledPeer> peers, bool v4)
    {
        var bytes = new byte[peers.Count(p => p.Endpoint.IsV4 == v4) * (v4 ? 6 : 18)];
        int at = 0;
        foreach (var peer in peers)
        {
            if (peer.Endpoint.IsV4 == v4)
                at += peer.Endpoint.WriteCompact(bytes.AsSpan(at));
        }
        return bytes;
    }

    public static byte[] Scrape(IEnumerable<(InfoHashKey Key, ScrapeCounts Counts)> entries)
    {
        var files = new BDictionary();
        foreach (var (key, counts) in entries)
        {
            var entry = new BDictionary();
            entry.Set("complete", new BInteger(counts.Seeders));
            entry.Set("downloaded", new BInteger(counts.Completed));
            entry.Set("incomplete", new BInteger(counts.Leechers));
            files.Set(new BString(key.ToBytes()), entry);
        }
        var dict = new BDictionary();
        dict.Set("files", files);
        return BencodeWriter.Encode(dict);
    }
}

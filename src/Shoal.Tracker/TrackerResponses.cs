using System.Buffers.Binary;
using System.Net.Sockets;
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
            var v4 = result.Peers.Where(p => p.Address.AddressFamily == AddressFamily.InterNetwork).ToList();
            var v6 = result.Peers.Where(p => p.Address.AddressFamily == AddressFamily.InterNetworkV6).ToList();
            dict.Set("peers", new BString(Compact(v4, 4)));
            if (v6.Count > 0)
                dict.Set("peers6", new BString(Compact(v6, 16)));
        }
        else
        {
            var list = new BList();
            foreach (var peer in result.Peers)
            {
                var entry = new BDictionary();
                entry.Set("ip", new BString(peer.Address.ToString()));
                if (!announce.NoPeerId)
                    entry.Set("peer id", new BString(peer.PeerId));
                entry.Set("port", new BInteger(peer.Port));
                list.Add(entry);
            }
            dict.Set("peers", list);
        }
        return BencodeWriter.Encode(dict);
    }

    /// <summary>Compact peers: address bytes then the port, big-endian.</summary>
    public static byte[] Compact(IReadOnlyList<PeerRecord> peers, int addressLength)
    {
        var bytes = new byte[peers.Count * (addressLength + 2)];
        for (int i = 0; i < peers.Count; i++)
        {
            var at = bytes.AsSpan(i * (addressLength + 2));
            peers[i].Address.TryWriteBytes(at, out _);
            BinaryPrimitives.WriteUInt16BigEndian(at[addressLength..], (ushort)peers[i].Port);
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

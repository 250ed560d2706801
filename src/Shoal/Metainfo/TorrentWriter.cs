using Shoal.Bencode;

namespace Shoal.Metainfo;

/// <summary>Writes a torrent: the info dictionary exactly as parsed or built, plus the outer fields in sorted order.</summary>
internal static class TorrentWriter
{
    public static byte[] Write(Torrent torrent)
    {
        var top = new BDictionary();
        if (torrent.Trackers.Count > 0)
        {
            top.Set("announce", torrent.Trackers[0][0]);
            if (torrent.Trackers.Count > 1 || torrent.Trackers[0].Count > 1)
                top.Set("announce-list", new BList(torrent.Trackers.Select(tier => (BValue)new BList(tier.Select(u => (BValue)new BString(u))))));
        }
        if (torrent.Comment is not null)
            top.Set("comment", torrent.Comment);
        if (torrent.CreatedBy is not null)
            top.Set("created by", torrent.CreatedBy);
        if (torrent.CreationDate is { } date)
            top.Set("creation date", date.ToUnixTimeSeconds());
        if (torrent.HttpSeeds.Count > 0)
            top.Set("httpseeds", StringList(torrent.HttpSeeds));
        top.Set("info", torrent.Info);
        if (torrent.PieceLayers.Count > 0)
        {
            var layers = new BDictionary();
            foreach (var (rootHex, layer) in torrent.PieceLayers)
                layers.Set(new BString(Convert.FromHexString(rootHex)), new BString(layer));
            top.Set("piece layers", layers);
        }
        if (torrent.WebSeeds.Count == 1)
            top.Set("url-list", torrent.WebSeeds[0]);
        else if (torrent.WebSeeds.Count > 1)
            top.Set("url-list", StringList(torrent.WebSeeds));
        if (torrent.HttpSeeds.Count > 0)
            top.Set("httpseeds", StringList(torrent.HttpSeeds));
        return BencodeWriter.Encode(top);
    }

    private static BList StringList(IEnumerable<string> items) => new(items.Select(s => (BValue)new BString(s)));
}

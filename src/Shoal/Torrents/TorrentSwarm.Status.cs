using Shoal.Peers;
using Shoal.Wire;

namespace Shoal;

/// <summary>What a running torrent's swarm reports for status: progress, pieces, availability, peers; each read under the lock.</summary>
internal sealed partial class TorrentSwarm
{
    private (long Verified, long Wanted) WantedProgress()
    {
        long wanted = 0, verified = 0;
        if (!HasContent)
            return (0, 0);
        for (int i = 0; i < Torrent.PieceCount; i++)
        {
            if (!Picker.IsWanted(i))
                continue;
            int size = Torrent.PieceSize(i);
            wanted += size;
            if (Picker.Have[i])
                verified += size;
        }
        return (verified, wanted);
    }

    public (long Verified, long Wanted, int Peers, int Seeds) Progress()
    {
        lock (Gate)
        {
            var (verified, wanted) = WantedProgress();
            return (verified, wanted, Peers.Count, Peers.Count(p => p.Has.Count > 0 && p.Has.All));
        }
    }

    public Bitfield? VerifiedPieces()
    {
        lock (Gate)
            return Picker?.Have.Clone();
    }

    /// <summary>Per piece: -1 when we have it, else how many connected peers have it (empty before the content is attached).</summary>
    public int[] Availability()
    {
        lock (Gate)
        {
            if (Picker is not { } picker)
                return [];
            return [.. Enumerable.Range(0, picker.Have.Count).Select(i => picker.Have[i] ? -1 : picker.Availability(i))];
        }
    }

    public IReadOnlyList<PeerInfo> PeerInfos()
    {
        lock (Gate)
            return [.. Peers.Select(p => new PeerInfo(p.EndPoint, p.Client, p.Has.SetCount / (double)Math.Max(1, p.Has.Count),
                p.Down.Rate, p.Up.Rate, p.AmChoking, p.PeerChoking, p.AmInterested, p.PeerInterested, p.Outgoing, p.Snubbed)
            {
                WebSeedUrl = p.Link is WebSeeds.WebSeedLink web ? web.ToString() : null,
                Transport = p.Wire?.Transport ?? "http",
            })];
    }

    public int BannedCount
    {
        get
        {
            lock (Gate)
                return BannedPeerIds.Count;
        }
    }
}

using Shoal.Peers;
using Shoal.Wire;

namespace Shoal;

/// <summary>What a running torrent's swarm reports for status: progress, pieces, availability, peers; each read under the lock.</summary>
internal sealed partial class TorrentSwarm
{
    private (long Verified, long Wanted) WantedProgress()
    {
        var (verified, wanted, _) = WantedBytes();
        return (verified, wanted);
    }

    /// <summary>Wanted bytes: verified, in all, and of those we lack the ones some connected peer has (under the lock; the picker keeps them).</summary>
    private (long Verified, long Wanted, long Available) WantedBytes() =>
        _content?.Picker is { } picker ? (picker.VerifiedWantedBytes, picker.WantedBytes, picker.AvailableMissingBytes) : (0, 0, 0);

    public (long Verified, long Wanted, long? Available, long Unchecked, int Peers, int Seeds) Progress()
    {
        lock (Gate)
        {
            var (verified, wanted, available) = WantedBytes();
            var content = _content;
            return (verified, wanted, content is null ? null : available, content is null ? 0 : UncheckedBytes(content.Picker),
                Peers.Count, Peers.Count(p => p.Has.Count > 0 && p.Has.All));
        }
    }

    /// <summary>Blocks received for pieces not yet complete and checked (under the lock).</summary>
    private static long UncheckedBytes(Swarm.PiecePicker<SwarmPeer> picker)
    {
        long bytes = 0;
        foreach (var partial in picker.Partials)
        {
            for (int b = 0; b < partial.BlockCount; b++)
            {
                if (partial.States[b] == Swarm.PartialPiece<SwarmPeer>.BlockState.Received)
                    bytes += partial.BlockLength(b);
            }
        }
        return bytes;
    }

    public Bitfield? VerifiedPieces()
    {
        lock (Gate)
            return _content?.Picker.Have.Clone();
    }

    /// <summary>Per piece: -1 when we have it, else how many connected peers have it (empty before the content is attached).</summary>
    public int[] Availability()
    {
        lock (Gate)
        {
            if (_content?.Picker is not { } picker)
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
                Transport = p.Wire?.Transport ?? Net.PeerTransport.Http,
                Origin = p.Origin,
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

using Shoal.Peers;
using Shoal.Wire;

namespace Shoal;

/// <summary>The swarm's helpers for peers, shared by its parts (under the lock): leaving, bans, faults.</summary>
internal sealed partial class TorrentSwarm
{

    /// <summary>
    /// A peer left (a wire connection that ended, a web seed that closed): the one way out for
    /// every kind, under the lock. Its requests go back to the picker, its pieces leave the
    /// availability, and the site share, superseeding, extensions, the layer fetch, the peer list
    /// and the choker (its slot is free) all hear of it.
    /// </summary>
    public void Leave(SwarmPeer peer, string? reason)
    {
        Peers.Remove(peer);
        CountPeers();
        SiteShare.Left(peer);
        ReleaseRequests(peer);
        if (_content is { } content)
        {
            if (peer.Has.Count == content.Torrent.PieceCount) // not a peer refused when the metadata came
                content.Picker.RemoveAvailability(peer.Has);
            content.Picker.Forget(peer);
        }
        SuperSeeding.OnLeave(peer);
        Extensions.OnDisconnected(peer);
        LayerFetch?.OnDisconnected(peer);
        if (peer.ListenEndPoint is { } listen && !Peers.Any(p => listen.Equals(p.ListenEndPoint)))
            Session.Peers.Disconnected(listen);
        if (!peer.AmChoking || Seeding)
            Ticker.UnchokeIfSlotFree();
        long received = peer.Down.Total, sent = peer.Up.Total;
        Defer(log => EngineLog.PeerClosed(log, Session.Name, peer, reason, received, sent));
    }

    /// <summary>Gives the peer's outstanding requests back to the picker (there are none before the content exists).</summary>
    public void ReleaseRequests(SwarmPeer peer)
    {
        if (_content is { } content)
        {
            foreach (var request in peer.Outstanding.Keys)
                content.Picker.Release(peer, request);
        }
        peer.Outstanding.Clear();
    }

    /// <summary>A task of this run ended in an unexpected exception: the torrent fails visibly (any thread, never under the lock).</summary>
    public void Fault(string what, Exception e) => Session.FailInternal(e, what);

    public void Ban(SwarmPeer peer, string reason)
    {
        if (peer.Wire is { } wire)
            BannedPeerIds.Add(Convert.ToHexStringLower(wire.RemotePeerId));
        if (peer.ListenEndPoint is not null)
            Session.Peers.Ban(peer.ListenEndPoint);
        string name = peer.ToString();
        Defer(log => EngineLog.PeerBanned(log, Session.Name, name, reason));
        peer.Link.Close($"banned: {reason}");
    }

    public bool IsBanned(SwarmPeer peer) =>
        peer.Wire is { } wire && BannedPeerIds.Contains(Convert.ToHexStringLower(wire.RemotePeerId));
}

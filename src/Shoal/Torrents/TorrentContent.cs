using Shoal.Metainfo;
using Shoal.Peers;
using Shoal.Storage;
using Shoal.Swarm;

namespace Shoal;

/// <summary>
/// A running torrent's content: what exists only once the metadata is known and the data
/// checked, made in one piece by <see cref="TorrentSwarm.AttachContent"/>. The metadata, the
/// open files, the picker (what we have and want), the request scheduler and the web-seed links
/// all need the piece count, so they live here, never null. Before it exists the swarm runs its
/// metadata phase (extension messages, what peers say they have kept for later); code that
/// needs the content is handed this object where the phase is decided (a message's dispatch,
/// the tick, a piece job), so it checks nothing again.
/// </summary>
internal sealed class TorrentContent
{
    public TorrentContent(TorrentSwarm swarm, Torrent torrent, TorrentStorage storage, PiecePicker<SwarmPeer> picker)
    {
        Torrent = torrent;
        Storage = storage;
        Picker = picker;
        Scheduler = new RequestScheduler(swarm, this);
        Links = new PeerLinks(swarm, this);
    }

    public Torrent Torrent { get; }
    /// <summary>The open files (read by send loops and piece jobs outside the lock; closed when the run stops).</summary>
    public TorrentStorage Storage { get; }
    /// <summary>What we have and want, and who is fetching what (under the lock).</summary>
    public PiecePicker<SwarmPeer> Picker { get; }
    public RequestScheduler Scheduler { get; }
    /// <summary>The torrent's non-wire peers (web seeds).</summary>
    public PeerLinks Links { get; }

    /// <summary>A piece index from a peer must name a piece of this torrent.</summary>
    public void CheckPiece(int index, string what)
    {
        if ((uint)index >= (uint)Torrent.PieceCount)
            throw new PeerProtocolException($"{what} for piece {index} of {Torrent.PieceCount}");
    }
}

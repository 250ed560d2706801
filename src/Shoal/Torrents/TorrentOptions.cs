using System.Net;
using Shoal.Storage;

namespace Shoal;

/// <summary>Per-torrent settings.</summary>
public sealed record TorrentOptions
{
    /// <summary>Bytes per second; 0 for no limit.</summary>
    public long MaxDownloadRate { get; init; }
    /// <summary>This torrent's upload limit, bytes per second (0: none).</summary>
    public long MaxUploadRate { get; init; }
    /// <summary>Fetch pieces in order (for streaming) instead of rarest first.</summary>
    public bool Sequential { get; init; }
    /// <summary>
    /// Superseeding (BEP 16) while seeding: peers are told of one piece at a time, and of the
    /// next once the last was seen spreading, so a seed with a small uplink sends the first
    /// copy out about once. For an initial seed; see <see cref="TorrentSession.SuperSeeding"/>.
    /// </summary>
    public bool SuperSeeding { get; init; }
    /// <summary>
    /// Initial seeding: superseeding only until the peers together hold every piece, then seeding
    /// as usual. The first copy still leaves the seed about once, and after that the seed's whole
    /// uplink serves the swarm instead of one piece per peer at a time.
    /// </summary>
    public bool InitialSeeding { get; init; }
    /// <summary>Priority per file index (0 = skip); null downloads everything.</summary>
    public IReadOnlyList<int>? FilePriorities { get; init; }
    /// <summary>
    /// For a torrent added without metadata: chooses the file priorities once the metadata is
    /// known (before any data is checked); null keeps <see cref="FilePriorities"/> or the magnet's 'so'.
    /// </summary>
    public Func<Metainfo.Torrent, IReadOnlyList<int>?>? SelectFiles { get; init; }
    /// <summary>The most peers connected to this torrent at once.</summary>
    public int MaxConnections { get; init; } = 60;
    /// <summary>How files are created on disk.</summary>
    public AllocationMode Allocation { get; init; } = AllocationMode.Sparse;
    /// <summary>Peers to connect to without a tracker.</summary>
    public IReadOnlyList<IPEndPoint> Peers { get; init; } = [];
    /// <summary>Re-announce at least this often whatever the tracker's interval says.</summary>
    public TimeSpan? MaxAnnounceInterval { get; init; }
    /// <summary>Ignore the torrent's trackers (peers come only from <see cref="Peers"/> and <see cref="TorrentSession.AddPeer"/>).</summary>
    public bool DisableTrackers { get; init; }
    /// <summary>
    /// Before a first check, copy in the files that other torrents of this client hold complete:
    /// the same v2 pieces root, or the same path and length in a torrent BEP 38 names related
    /// ("similar", "collections"). On by default.
    /// </summary>
    public bool ReuseLocalData { get; init; } = true;
}

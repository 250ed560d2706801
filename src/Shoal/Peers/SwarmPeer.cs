using System.Net;
using Shoal.Limits;
using Shoal.Swarm;
using Shoal.Wire;

namespace Shoal.Peers;

/// <summary>
/// What a torrent knows about one connected peer: choking and interest both ways, its pieces,
/// our outstanding requests, rates, allowed-fast sets, suggestions and failures. Owned by the
/// torrent and read or written only under its lock; the bytes travel through <see cref="Link"/>.
/// </summary>
internal sealed class SwarmPeer
{
    public SwarmPeer(IPeer link, PeerConnection? wire, Bitfield has, TimeProvider time, bool outgoing)
    {
        Link = link;
        Wire = wire;
        Has = has;
        Outgoing = outgoing;
        Down = new RateMeter(time);
        Up = new RateMeter(time);
        ConnectedAt = LastUnchoked = time.GetTimestamp();
    }

    /// <summary>What carries requests, choking and haves to the peer.</summary>
    public IPeer Link { get; }
    /// <summary>A second connection to the same peer replaced this one and took over its connection slot (under the lock).</summary>
    public bool SlotPassedOn { get; set; }
    /// <summary>The peer-wire connection, for a wire peer (null for a web seed).</summary>
    public PeerConnection? Wire { get; }
    public IPEndPoint EndPoint => Link.EndPoint;
    public bool Outgoing { get; }
    /// <summary>How the connection came about (set when it is attached).</summary>
    public PeerOrigin Origin { get; init; }
    public bool IsClosed => Link.IsClosed;
    public string Client => Link.Client;

    public bool AmChoking { get; set; } = true;
    public bool AmInterested { get; set; }
    public bool PeerChoking { get; set; } = true;
    public bool PeerInterested { get; set; }
    public Bitfield Has { get; set; }
    /// <summary>What it said it has before the metadata was known (made on its first claim); null afterwards.</summary>
    public PendingHas? Pending { get; set; }
    /// <summary>Our extension handshake went out before we knew the metadata (so without its size).</summary>
    public bool GreetedWithoutMetadata { get; set; }
    /// <summary>How many of the pieces it has we want and lack: interest without a scan.</summary>
    public int WantedPieces { get; set; }
    /// <summary>We left out haves of pieces it already had (told once we finish).</summary>
    public bool HavesWithheld { get; set; }
    public ExtensionHandshake? Extensions { get; set; }
    /// <summary>Blocks we accepted from the peer, and blocks we sent it.</summary>
    public RateMeter Down { get; }
    public RateMeter Up { get; }
    /// <summary>Our requests to the peer not yet answered, with when each was sent.</summary>
    public Dictionary<BlockRequest, long> Outstanding { get; } = [];
    /// <summary>When the peer last sent us a block we wanted.</summary>
    public long LastBlockAt { get; set; }
    public HashSet<int> AllowedFastForUs { get; } = [];
    public HashSet<int> AllowedFastForThem { get; } = [];
    public List<int> Suggested { get; } = [];
    public bool Snubbed { get; set; }
    public int HashFailures { get; set; }
    /// <summary>Sent part of a piece that failed its hash: fetches only whole pieces alone until one passes.</summary>
    public bool Parole { get; set; }
    public long ConnectedAt { get; }
    public long LastUnchoked { get; set; }
    /// <summary>Of our own site (<see cref="ShoalClientOptions.Sites"/>, or found by LSD): preferred for slots and pieces.</summary>
    public bool IsLocal { get; set; }
    /// <summary>Its key for sharing out the WAN fetches of our site (<see cref="Swarm.SiteShare"/>): from its peer id.</summary>
    public ulong ShareKey { get; init; }
    /// <summary>The peer's listening endpoint when known (ours for outgoing; from BEP 10 'p' for incoming).</summary>
    public IPEndPoint? ListenEndPoint { get; set; }

    /// <summary>
    /// Requests to keep outstanding: about two seconds of this peer's rate, within its reqq, and
    /// at least <paramref name="floor"/> (what a transfer starts with before its rate is known).
    /// </summary>
    public int PipelineDepth(int floor)
    {
        if (Snubbed)
            return 1;
        int cap = Math.Min(Extensions?.RequestQueue ?? 250, 500);
        long rate = Down.Rate;
        return (int)Math.Clamp(rate * 2 / BlockRequest.BlockSize, Math.Min(floor, cap), Math.Max(cap, 1));
    }

    public override string ToString() => Link.ToString() ?? EndPoint.ToString();
}

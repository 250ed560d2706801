using System.Net;
using Shoal.Swarm;

namespace Shoal.Peers;

/// <summary>
/// What the request scheduler and the choker need from a peer, whatever carries it: a peer-wire
/// connection today, a web seed (which fetches blocks over HTTP) later.
/// </summary>
internal interface IPeer
{
    IPEndPoint EndPoint { get; }
    /// <summary>The client's name, as far as it is known.</summary>
    string Client { get; }
    bool IsClosed { get; }
    /// <summary>Asks the peer for a block.</summary>
    void Request(BlockRequest request);
    /// <summary>Withdraws a request (another peer delivered the block first).</summary>
    void Cancel(BlockRequest request);
    /// <summary>Tells the peer whether we want something it has.</summary>
    void Interested(bool interested);
    /// <summary>Tells the peer whether it may request from us; queued uploads are dropped on choke.</summary>
    void Choke(bool choke);
    /// <summary>
    /// Announces a piece we now have: at once when <paramref name="now"/> (a superseeding offer, or
    /// the have a superseeding seed waits for), else it may wait a moment to leave with other
    /// messages (<see cref="DeferredSends"/>).
    /// </summary>
    void Have(int piece, bool now);
    void Close(string reason);
}

using Shoal.Peers;
using Shoal.Swarm;
using Shoal.Wire;

namespace Shoal;

/// <summary>
/// The torrent's side of superseeding (<see cref="SuperSeeder{TPeer}"/>): while it is on and we
/// seed, a new peer is greeted with nothing and then told of one piece at a time; its haves,
/// loss of interest and departure move the offers on; it may ask only for what it was told of.
/// Turned off, every peer hears of the rest of our pieces; initial seeding turns it off itself
/// once the peers together hold every piece. All under the torrent's lock.
/// </summary>
internal sealed class SuperSeeding(TorrentSwarm swarm)
{
    private readonly List<(SwarmPeer Peer, int Piece)> _offers = [];
    private SuperSeeder<SwarmPeer>? _seeder;
    /// <summary>What we have, while <see cref="_seeder"/> runs (it runs only once the content exists).</summary>
    private Bitfield _have = new(0);

    /// <summary>
    /// Greets <paramref name="peer"/> as a superseeded peer when superseeding applies: a
    /// have-none (unless <paramref name="saidNone"/>: it had one before our data was checked),
    /// then its first piece. False to greet it as usual.
    /// </summary>
    public bool TryGreet(TorrentContent content, SwarmPeer peer, bool saidNone = false)
    {
        var picker = content.Picker;
        if (!swarm.Session.SuperSeeding || !picker.Have.All || peer.Wire is not { } wire)
            return false;
        if (_seeder is null)
        {
            _have = picker.Have;
            _seeder = new SuperSeeder<SwarmPeer>(content.Torrent.PieceCount, p => p.Has, picker.Availability, new Random(swarm.Client.NextSeed()));
            foreach (var other in swarm.Peers)
                _seeder.Held(other.Has);
        }
        if (wire.SupportsFast && !saidNone)
            wire.Send(MessageId.HaveNone);
        int piece = _seeder.Join(peer);
        if (piece >= 0)
            peer.Link.Have(piece, now: true); // an offer
        return true;
    }

    /// <summary>The peer asks for a block of <paramref name="piece"/>, which we have: whether it may (we told it so).</summary>
    public bool OnRequest(SwarmPeer peer, int piece) => _seeder is null || !_seeder.Tracks(peer) || _seeder.OnRequest(peer, piece);

    public void OnHave(int piece)
    {
        _seeder?.OnHave(piece, _offers);
        Send();
        EndIfSpread();
    }

    /// <summary>A bitfield (or have-all) arrived: any piece in it may be one that was offered.</summary>
    public void OnBitfield(Bitfield field)
    {
        if (_seeder is null)
            return;
        foreach (int piece in field.SetIndices())
            _seeder.OnHave(piece, _offers);
        Send();
        EndIfSpread();
    }

    /// <summary>Initial seeding: once the peers together hold every piece, superseeding ends and every peer hears of the rest.</summary>
    private void EndIfSpread()
    {
        if (_seeder is not { EveryPieceSeen: true } || !swarm.Session.Options.InitialSeeding || !swarm.Session.SuperSeeding)
            return;
        swarm.Session.EndInitialSeeding();
        End();
        string name = swarm.Session.Name;
        swarm.Defer(log => EngineLog.InitialSeedingDone(log, name));
    }

    public void OnNotInterested(SwarmPeer peer)
    {
        _seeder?.OnNotInterested(peer, _offers);
        Send();
    }

    public void OnLeave(SwarmPeer peer)
    {
        _seeder?.Leave(peer, _offers);
        Send();
    }

    /// <summary>Superseeding was turned off: each peer still connected hears of every piece it was not told of.</summary>
    public void End()
    {
        if (_seeder is null)
            return;
        foreach (var (peer, told) in _seeder.End())
        {
            if (peer.IsClosed)
                continue;
            if (swarm.Admission.TooManyHaves(peer, _have.SetCount - told.SetCount))
                continue;
            foreach (int piece in _have.SetIndices())
            {
                if (!told[piece])
                    peer.Link.Have(piece, now: true); // an offer
            }
        }
        _seeder = null;
    }

    private void Send()
    {
        foreach (var (peer, piece) in _offers)
            peer.Link.Have(piece, now: true); // an offer
        _offers.Clear();
    }
}

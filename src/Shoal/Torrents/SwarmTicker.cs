using Shoal.Peers;
using Shoal.Swarm;
using Shoal.Wire;

namespace Shoal;

/// <summary>
/// The torrent's one-second tick, on the client's clock: drops silent peers, sends keep-alives,
/// snubs peers that leave requests unanswered, refreshes interest and requests, runs a choking
/// round every ten seconds and dials more peers from the peer list while there is room.
/// </summary>
internal sealed class SwarmTicker(TorrentSwarm swarm)
{
    public static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan InactivityTimeout = TimeSpan.FromSeconds(120);
    public static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(60);
    public const int ChokeRoundTicks = 10;
    private readonly List<ChokeCandidate<SwarmPeer>> _candidates = [];
    private long _tick;

    public async Task RunAsync(CancellationToken token)
    {
        using var timer = new PeriodicTimer(Tick, swarm.Client.Time);
        OnTick(); // connect to known peers at once
        while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false))
            OnTick();
    }

    public void OnTick()
    {
        lock (swarm.Gate)
        {
            if (swarm.Token.IsCancellationRequested)
                return;
            _tick++;
            var time = swarm.Client.Time;
            long now = time.GetTimestamp();
            bool seeding = swarm.Seeding;
            var content = swarm.Content; // null in the metadata phase: no requests, no choking
            foreach (var peer in swarm.Peers.ToList())
            {
                var wire = peer.Wire;
                if (wire is not null && time.GetElapsedTime(wire.LastReceive, now) > InactivityTimeout)
                {
                    peer.Link.Close("inactive for two minutes");
                    continue;
                }
                if (wire is not null && time.GetElapsedTime(wire.LastSend, now) > KeepAliveInterval)
                    wire.SendKeepAlive();
                if (seeding && peer.Has.All)
                {
                    peer.Link.Close("both seeding");
                    continue;
                }
                if (content is null)
                    continue;
                content.Scheduler.CheckSnubbed(peer, now);
                if (!seeding)
                {
                    if (_tick % 5 == 0 || !peer.IsLocal) // a remote peer's interest follows our site's share each tick
                        content.Scheduler.UpdateInterest(peer);
                    else
                        content.Scheduler.FillRequests(peer);
                }
            }
            swarm.Extensions.OnTick();
            swarm.LayerFetch?.Pump(swarm.Peers);
            if (content is not null)
                AdjustSlots(now, seeding);
            if (_tick % ChokeRoundTicks == 0 && content is not null) // nothing to give before the content exists
                ChokeRound(now);
        }
        DialMore();
    }

    /// <summary>
    /// Dials peers from the peer list while there is room: each tick, and at once when a source
    /// hands over new peers (a tracker's answer is dialled in full, not over the next ticks).
    /// Dialling stops at two thirds of the connection limit; the rest is left for peers that dial
    /// us. In a big swarm every peer dialling to the limit meant most dials met a full peer or a
    /// peer dialling us at the same moment: at 100 peers, 10,000 connection attempts for about
    /// 2,800 pairs, and the start's CPU.
    /// </summary>
    public void DialMore()
    {
        List<System.Net.IPEndPoint> dial;
        lock (swarm.Gate)
        {
            if (swarm.Token.IsCancellationRequested)
                return;
            int limit = swarm.Session.Options.MaxConnections;
            int room = limit - limit / 3 - swarm.Peers.Count - swarm.Admission.Connecting;
            dial = swarm.Session.Peers.TakeDialable(Math.Min(room, swarm.Client.HalfOpenRoom), swarm.Client.IsOwnEndPoint, skipSeeds: swarm.Seeding);
        }
        foreach (var endPoint in dial)
        {
            if (swarm.Client.TryBeginHalfOpen())
            {
                swarm.Admission.Dial(endPoint);
            }
            else
            {
                lock (swarm.Gate)
                    swarm.Session.Peers.Release(endPoint, stillConnected: false);
            }
        }
        swarm.Flush();
    }

    /// <summary>
    /// While seeding, the choker's slots follow what raises our upload rate (<see cref="UploadSlots"/>),
    /// and slots it opens are filled at once; while downloading they stay at the default for tit-for-tat.
    /// </summary>
    private void AdjustSlots(long now, bool seeding)
    {
        if (!seeding)
        {
            swarm.Choker.Slots = Choker<SwarmPeer>.DefaultSlots;
            return;
        }
        int waiting = 0, inUse = 0;
        foreach (var peer in swarm.Peers)
        {
            if (peer.IsClosed || !peer.PeerInterested)
                continue;
            if (peer.AmChoking)
                waiting++;
            else
                inUse++;
        }
        long cap = Cap(swarm.Session.UploadLimit.Rate, swarm.Client.UploadLimit.Rate);
        bool grew = swarm.UploadSlots.Update(now, swarm.Session.Uploaded, cap, waiting, inUse, swarm.Session.Options.MaxConnections);
        swarm.Choker.Slots = swarm.UploadSlots.Count;
        if (grew)
            UnchokeIfSlotFree();
    }

    /// <summary>The tighter of two upload caps (0: none).</summary>
    private static long Cap(long a, long b) => a <= 0 ? Math.Max(0, b) : b <= 0 ? a : Math.Min(a, b);

    /// <summary>Asks the choker whom to unchoke and applies its answer.</summary>
    private void ChokeRound(long now)
    {
        _candidates.Clear();
        foreach (var peer in swarm.Peers)
        {
            if (peer.IsClosed)
                continue;
            _candidates.Add(new ChokeCandidate<SwarmPeer>(peer, peer.PeerInterested, peer.Snubbed, peer.IsLocal,
                peer.Down.Rate, peer.Up.Rate, !peer.AmChoking, peer.LastUnchoked, peer.ConnectedAt));
        }
        var unchoke = swarm.Choker.Decide(_candidates, swarm.Seeding, now);
        foreach (var peer in swarm.Peers)
        {
            if (unchoke.Contains(peer))
                Unchoke(peer);
            else if (!peer.AmChoking)
                Choke(peer);
        }
    }

    /// <summary>Between rounds: unchokes interested peers while the choker has free slots.</summary>
    public void UnchokeIfSlotFree()
    {
        if (swarm.Content is null)
            return; // the metadata phase: nothing to give yet
        int local = swarm.Peers.Count(p => !p.AmChoking && p.PeerInterested && p.IsLocal);
        int remote = swarm.Peers.Count(p => !p.AmChoking && p.PeerInterested && !p.IsLocal);
        foreach (var peer in swarm.Peers)
        {
            if (!peer.AmChoking || !peer.PeerInterested || peer.IsClosed)
                continue;
            ref int ofItsKind = ref peer.IsLocal ? ref local : ref remote;
            if (swarm.Choker.HasFreeSlot(ofItsKind))
            {
                Unchoke(peer);
                ofItsKind++;
            }
        }
    }

    private void Unchoke(SwarmPeer peer)
    {
        if (!peer.AmChoking)
            return;
        peer.AmChoking = false;
        peer.LastUnchoked = swarm.Client.Time.GetTimestamp();
        peer.Link.Choke(false);
    }

    private static void Choke(SwarmPeer peer)
    {
        peer.AmChoking = true;
        peer.Link.Choke(true);
        if (peer.Wire is not { } wire)
            return;
        foreach (var dropped in wire.ClearUploads())
        {
            if (peer.AllowedFastForThem.Contains(dropped.Piece))
                wire.QueueUpload(dropped);
            else if (wire.SupportsFast)
                wire.SendBlock(MessageId.Reject, dropped);
        }
    }
}

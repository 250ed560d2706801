using System.Net;
using Shoal.Peers;
using Shoal.Trackers;
using Shoal.Wire;

namespace Shoal;

public sealed partial class TorrentSession
{
    private async Task TickLoopAsync(CancellationToken token)
    {
        using var timer = new PeriodicTimer(Tick, _client.Time);
        OnTick(); // connect to known peers at once
        while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false))
            OnTick();
    }

    private void OnTick()
    {
        var connect = new List<IPEndPoint>();
        lock (_gate)
        {
            if (State is not (TorrentState.Downloading or TorrentState.Seeding))
                return;
            _tick++;
            long now = _client.Time.GetTimestamp();
            bool seeding = State == TorrentState.Seeding;
            foreach (var peer in _peers.ToList())
            {
                if (_client.Time.GetElapsedTime(peer.LastReceive, now) > InactivityTimeout)
                {
                    peer.Close("inactive for two minutes");
                    continue;
                }
                if (_client.Time.GetElapsedTime(peer.LastSend, now) > KeepAliveInterval)
                    peer.SendKeepAlive();
                if (seeding && peer.Has.All)
                {
                    peer.Close("both seeding");
                    continue;
                }
                // A peer that leaves a request unanswered too long is snubbed: its requests go to others.
                if (peer.Outstanding.Count > 0
                    && _client.Time.GetElapsedTime(Math.Max(peer.LastBlockAt, peer.Outstanding.Values.Min()), now) > RequestTimeout)
                {
                    peer.Snubbed = true;
                    ReleaseRequests(peer);
                }
                if (!seeding)
                {
                    if (_tick % 5 == 0)
                        UpdateInterest(peer);
                    else
                        FillRequests(peer);
                }
            }
            if (_tick % ChokeRoundTicks == 0)
                ChokeRound(_tick % OptimisticRoundTicks == 0);
            ChooseConnections(now, connect);
        }
        foreach (var endPoint in connect)
            _ = ConnectAsync(endPoint, _run?.Token ?? CancellationToken.None);
    }

    private void ChooseConnections(long now, List<IPEndPoint> connect)
    {
        int room = Options.MaxConnections - _peers.Count - Volatile.Read(ref _connecting);
        foreach (var (endPoint, known) in _known)
        {
            if (room <= 0)
                break;
            if (known.Connected || known.Self || _bannedEndPoints.Contains(endPoint))
                continue;
            // Back off: 5 s after a failure, doubling to five minutes.
            var backoff = TimeSpan.FromSeconds(Math.Min(300, known.Failures == 0 ? 0 : 5 << Math.Min(known.Failures - 1, 6)));
            if (known.LastAttempt != long.MinValue && _client.Time.GetElapsedTime(known.LastAttempt, now) < backoff)
                continue;
            if (_client.IsOwnEndPoint(endPoint))
            {
                known.Self = true;
                continue;
            }
            if (!_client.TryBeginHalfOpen())
                break;
            known.LastAttempt = now;
            known.Connected = true;
            Interlocked.Increment(ref _connecting);
            connect.Add(endPoint);
            room--;
        }
    }

    // ---------------------------------------------------------------- choking

    /// <summary>
    /// Tit-for-tat: the interested peers that gave us the most (or, seeding, take turns in a
    /// round-robin) get the regular slots; one more, chosen at random and rotated every 30 s,
    /// gets the optimistic slot so new peers can prove themselves.
    /// </summary>
    private void ChokeRound(bool rotateOptimistic)
    {
        var interested = _peers.Where(p => p.PeerInterested && !p.IsClosed).ToList();
        List<PeerConnection> regular;
        if (State == TorrentState.Seeding)
        {
            regular = [.. interested.OrderBy(p => p.LastUnchoked).Take(UnchokeSlots)];
        }
        else
        {
            regular = [.. interested.OrderByDescending(p => p.Down.Rate).ThenBy(_ => Random.Shared.Next()).Take(UnchokeSlots)];
        }
        var optimistic = _peers.FirstOrDefault(p => p.Optimistic && p.PeerInterested && !regular.Contains(p));
        if (optimistic is null || rotateOptimistic)
        {
            if (optimistic is not null)
                optimistic.Optimistic = false;
            var candidates = interested.Where(p => !regular.Contains(p)).ToList();
            optimistic = candidates.Count > 0 ? candidates[Random.Shared.Next(candidates.Count)] : null;
            if (optimistic is not null)
                optimistic.Optimistic = true;
        }
        foreach (var peer in _peers)
        {
            bool unchoke = regular.Contains(peer) || peer == optimistic;
            if (unchoke)
                Unchoke(peer);
            else if (!peer.AmChoking)
                Choke(peer);
        }
    }

    private void UnchokeIfSlotFree()
    {
        int unchoked = _peers.Count(p => !p.AmChoking && p.PeerInterested);
        foreach (var peer in _peers)
        {
            if (unchoked >= UnchokeSlots + 1)
                return;
            if (peer.AmChoking && peer.PeerInterested && !peer.IsClosed)
            {
                Unchoke(peer);
                unchoked++;
            }
        }
    }

    private void Unchoke(PeerConnection peer)
    {
        if (!peer.AmChoking)
            return;
        peer.AmChoking = false;
        peer.LastUnchoked = _client.Time.GetTimestamp();
        peer.Send(MessageId.Unchoke);
    }

    private void Choke(PeerConnection peer)
    {
        peer.AmChoking = true;
        peer.Send(MessageId.Choke);
        foreach (var dropped in peer.ClearUploads())
        {
            if (peer.AllowedFastForThem.Contains(dropped.Piece))
                peer.QueueUpload(dropped);
            else if (peer.SupportsFast)
                peer.SendBlock(MessageId.Reject, dropped);
        }
    }

    // ---------------------------------------------------------------- trackers

    private async Task AnnounceLoopAsync(CancellationToken token)
    {
        if (Options.DisableTrackers || Torrent.Trackers.Count == 0)
            return;
        var tiers = TrackerTiers.Create(Torrent.Trackers, _client.Http, _client.Time, _client.Options.UdpTrackerTimeout, new Random(_client.NextSeed()));
        if (tiers.IsEmpty)
            return;
        var trackerEvent = TrackerEvent.Started;
        bool announced = false;
        bool sentCompleted = State == TorrentState.Seeding; // already complete at start: no 'completed'
        int failures = 0;
        uint key = (uint)_client.NextSeed();
        try
        {
            while (!token.IsCancellationRequested)
            {
                if (!sentCompleted && State == TorrentState.Seeding && _picker.Have.All)
                {
                    trackerEvent = announced ? TrackerEvent.Completed : trackerEvent;
                    sentCompleted = true;
                }
                TimeSpan wait;
                try
                {
                    var (_, response) = await tiers.AnnounceAsync(BuildAnnounce(trackerEvent, key), token).ConfigureAwait(false);
                    announced = true;
                    failures = 0;
                    trackerEvent = TrackerEvent.None;
                    _trackerError = response.Warning;
                    foreach (var peer in response.Peers)
                        AddPeer(peer);
                    wait = response.Interval < TimeSpan.FromSeconds(1) ? TimeSpan.FromMinutes(30) : response.Interval;
                    if (response.MinInterval is { } min && wait < min)
                        wait = min;
                }
                catch (TrackerException e)
                {
                    _trackerError = e.Message;
                    failures++;
                    wait = TimeSpan.FromSeconds(Math.Min(1800, 15 << Math.Min(failures, 7)));
                    Log?.Invoke(this, e.Message);
                }
                if (Options.MaxAnnounceInterval is { } max && wait > max)
                    wait = max;
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
                timeout.CancelAfter(wait);
                try
                {
                    await _announceNow.WaitAsync(timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!token.IsCancellationRequested)
                {
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        if (announced)
        {
            // Tell the tracker we left, briefly: a dead tracker must not hold up a stop.
            using var stopDeadline = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            try
            {
                await tiers.AnnounceAsync(BuildAnnounce(TrackerEvent.Stopped, key), stopDeadline.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TrackerException or OperationCanceledException)
            {
            }
        }
    }

    private AnnounceRequest BuildAnnounce(TrackerEvent trackerEvent, uint key)
    {
        var status = GetStatus();
        return new AnnounceRequest(_wireHash, _client.PeerIdBytes, _client.ListenPort,
            status.Uploaded, status.Downloaded, status.WantedBytes - status.VerifiedBytes,
            trackerEvent, trackerEvent == TrackerEvent.Stopped ? 0 : 200, key);
    }
}

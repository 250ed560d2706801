namespace Shoal.Tracker;

/// <summary>
/// The rules every announce passes, whether it came over HTTP or UDP: the torrent must be
/// served (allow-list), a private key must have been granted it, the traffic it reports is
/// added to the key's totals, and the roll-out view counts the machine.
/// </summary>
public sealed class AnnounceGate(ISwarmStore registry, Func<InfoHashKey, bool> allowed, UserStore? users, RolloutBook? rollout = null)
{
    /// <summary>Throws the failure reason when this torrent is not for this (private) user.</summary>
    public void Admit(InfoHashKey torrent, long? user)
    {
        if (!allowed(torrent))
            throw new TrackerRequestException("torrent not served by this tracker");
        if (user is long id && !users!.MaySee(id, torrent))
            throw new TrackerRequestException(UserStore.NotGranted);
    }

    /// <summary>Registers an admitted announce and fills <paramref name="sample"/> with peers.</summary>
    public AnnounceCounts Record(in TrackerAnnounce announce, long? user, Span<SampledPeer> sample)
    {
        var counts = Counted(registry.Announce(announce, sample), user);
        rollout?.Record(announce);
        return counts;
    }

    /// <summary>As <see cref="Record"/>, without holding the thread while the store answers.</summary>
    public async ValueTask<AnnounceCounts> RecordAsync(TrackerAnnounce announce, long? user, Memory<SampledPeer> sample)
    {
        var counts = Counted(await registry.AnnounceAsync(announce, sample).ConfigureAwait(false), user);
        rollout?.Record(announce);
        return counts;
    }

    private AnnounceCounts Counted(AnnounceCounts counts, long? user)
    {
        if (user is long id)
            users!.AddTraffic(id, counts.UploadedDelta, counts.DownloadedDelta);
        return counts;
    }
}

namespace Shoal.Tracker;

/// <summary>
/// The rules every announce passes, whether it came over HTTP or UDP: the torrent must be
/// served (allow-list), a private key must have been granted it, and the traffic it reports is
/// added to the key's totals.
/// </summary>
public sealed class AnnounceGate(SwarmRegistry registry, Func<InfoHashKey, bool> allowed, UserStore? users)
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
        var counts = registry.Announce(announce, sample);
        if (user is long id)
            users!.AddTraffic(id, counts.UploadedDelta, counts.DownloadedDelta);
        return counts;
    }
}

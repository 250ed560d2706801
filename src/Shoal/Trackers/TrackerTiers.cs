using System.Net.Sockets;

namespace Shoal.Trackers;

/// <summary>
/// A torrent's trackers in BEP 12 tiers: shuffled within each tier once, tried tier by tier
/// in order, and a tracker that answers moves to the front of its tier.
/// </summary>
internal sealed class TrackerTiers
{
    private readonly List<List<ITrackerClient>> _tiers;
    private readonly Dictionary<ITrackerClient, string> _trackerIds = [];

    public TrackerTiers(IEnumerable<IEnumerable<ITrackerClient>> tiers, Random random)
    {
        _tiers = [.. tiers.Select(t => t.OrderBy(_ => random.Next()).ToList()).Where(t => t.Count > 0)];
    }

    public bool IsEmpty => _tiers.Count == 0;
    public IEnumerable<ITrackerClient> All => _tiers.SelectMany(t => t);

    /// <summary>Builds clients for the http(s) and udp URLs among <paramref name="tiers"/>; other schemes are skipped.</summary>
    public static TrackerTiers Create(IEnumerable<IEnumerable<string>> tiers, HttpClient http, TimeProvider time, TimeSpan? udpTimeout, Random random) =>
        new(tiers.Select(tier => tier.Select(url => Create(url, http, time, udpTimeout)).OfType<ITrackerClient>()), random);

    public static ITrackerClient? Create(string url, HttpClient http, TimeProvider time, TimeSpan? udpTimeout)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
            return null;
        return uri.Scheme switch
        {
            "http" or "https" => new HttpTrackerClient(uri, http),
            "udp" => new UdpTrackerClient(uri, time, udpTimeout, udpTimeout is null ? 8 : 3),
            _ => null,
        };
    }

    /// <summary>
    /// Announces to the first tracker that answers; throws <see cref="TrackerException"/> when
    /// none does. Each try goes into <paramref name="log"/> when one is given.
    /// </summary>
    public async Task<(ITrackerClient Tracker, AnnounceResponse Response)> AnnounceAsync(AnnounceRequest request, CancellationToken cancellationToken,
        Discovery.TrackerLog? log = null, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        string? lastError = null;
        foreach (var tier in _tiers)
        {
            for (int i = 0; i < tier.Count; i++)
            {
                var tracker = tier[i];
                string url = tracker.Uri.OriginalString;
                log?.Started(url, time.GetUtcNow());
                try
                {
                    var response = await tracker.AnnounceAsync(request with { TrackerId = _trackerIds.GetValueOrDefault(tracker) }, cancellationToken).ConfigureAwait(false);
                    if (response.TrackerId is not null)
                        _trackerIds[tracker] = response.TrackerId;
                    log?.Succeeded(url, response, time.GetUtcNow());
                    tier.RemoveAt(i);
                    tier.Insert(0, tracker);
                    return (tracker, response);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    log?.Failed(url, "stopped", false, time.GetUtcNow());
                    throw;
                }
                catch (Exception e) when (e is TrackerException or HttpRequestException or SocketException or IOException
                    || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
                {
                    lastError = $"{tracker.Uri}: {e.Message}";
                    log?.Failed(url, e.Message, e is OperationCanceledException, time.GetUtcNow());
                }
            }
        }
        throw new TrackerException(lastError ?? "no usable tracker");
    }
}

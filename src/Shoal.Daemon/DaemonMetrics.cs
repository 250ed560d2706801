using Microsoft.AspNetCore.Http;
using Shoal.Channels;
using Shoal.Diagnostics;

namespace Shoal.Daemon;

/// <summary>
/// Prometheus metrics at /metrics, behind the same allow-list, password and Host checks as the
/// RPC: the bytes moved (this run), connected peers, torrents by state, and each followed
/// channel's newest and current version, how long since it changed, and whether it has an error.
/// Every value is read from the engine or the follower when scraped.
/// </summary>
public sealed class DaemonMetrics(RpcGate gate, TorrentBook book, ChannelFollower channels, ShoalClient client)
{
    public async Task HandleAsync(HttpContext context)
    {
        if (await gate.RefusedAsync(context).ConfigureAwait(false))
            return;
        context.Response.ContentType = PrometheusText.ContentType;
        context.Response.Headers.CacheControl = "no-cache";
        await context.Response.WriteAsync(Render()).ConfigureAwait(false);
    }

    public string Render()
    {
        var statuses = book.All.Select(t => t.Session.GetStatus()).ToList();
        var text = new PrometheusText()
            .Counter("shoal_downloaded_bytes_total", "Payload bytes downloaded since the daemon started.", ("", client.TotalDownloaded))
            .Counter("shoal_downloaded_from_site_bytes_total", "Of those, the bytes from peers of our own site (the site map: not over the WAN link).",
                ("", client.TotalDownloadedFromSite))
            .Counter("shoal_uploaded_bytes_total", "Payload bytes uploaded since the daemon started.", ("", client.TotalUploaded))
            .Counter("shoal_read_cache_hits_total", "Blocks sent from the read cache (what seeding read, kept for the next peers).", ("", client.ReadCacheHits))
            .Counter("shoal_read_cache_misses_total", "Blocks sent that were read from disk (alone, or with the rest of their chunk into the cache).", ("", client.ReadCacheMisses))
            .Gauge("shoal_download_rate_bytes", "Download rate now, bytes per second.", ("", statuses.Sum(s => s.DownRate)))
            .Gauge("shoal_upload_rate_bytes", "Upload rate now, bytes per second.", ("", statuses.Sum(s => s.UpRate)))
            .Gauge("shoal_peers", "Peers connected, over all torrents.", ("", statuses.Sum(s => s.Peers)))
            .Gauge("shoal_torrents", "Torrents by state.", [.. Enum.GetValues<TorrentState>().Select(state =>
                (PrometheusText.Labels(("state", state.ToString().ToLowerInvariant())), (double)statuses.Count(s => s.State == state)))]);
        var followed = channels.All;
        long now = client.Options.Time.GetUtcNow().ToUnixTimeSeconds();
        string Label(FollowedChannel c) => PrometheusText.Labels(("channel", ChannelLink.For(c.Link.PublicKey.Span, c.Link.Salt.Span).ToString()));
        text.Gauge("shoal_channel_sequence", "The newest version seen of each followed channel (its sequence number).",
                [.. followed.Where(c => c.Sequence > 0).Select(c => (Label(c), (double)c.Sequence))])
            .Gauge("shoal_channel_current_sequence", "The complete version each channel's current link points at.",
                [.. followed.Where(c => c.Current is not null).Select(c => (Label(c), (double)c.Current!.Value))])
            .Gauge("shoal_channel_seconds_since_change", "Seconds since each channel's newest version was added.",
                [.. followed.Where(c => c.ChangedDate > 0).Select(c => (Label(c), (double)Math.Max(0, now - c.ChangedDate)))])
            .Gauge("shoal_channel_error", "1 when the channel's last look-up or newest version has an error.",
                [.. followed.Select(c => (Label(c), c.Error.Length > 0 ? 1.0 : 0.0))]);
        return text.ToString();
    }
}

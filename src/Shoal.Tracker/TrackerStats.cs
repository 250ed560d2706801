using Shoal.Diagnostics;
using System.Text;

namespace Shoal.Tracker;

/// <summary>Request counters (thread-safe) and their rates, for /stats and /metrics.</summary>
public sealed class TrackerStats
{
    private long _httpAnnounces, _httpScrapes, _httpErrors, _udpConnects, _udpAnnounces, _udpScrapes, _udpErrors;
    private readonly long _start = Environment.TickCount64;
    private (long At, long Http, long Udp, long HttpScrapes, long UdpScrapes) _last = (Environment.TickCount64, 0, 0, 0, 0);
    private (double Http, double Udp, double HttpScrapes, double UdpScrapes) _rates;

    public void HttpAnnounce() => Interlocked.Increment(ref _httpAnnounces);
    public void HttpScrape() => Interlocked.Increment(ref _httpScrapes);
    public void HttpError() => Interlocked.Increment(ref _httpErrors);
    public void UdpConnect() => Interlocked.Increment(ref _udpConnects);
    public void UdpAnnounce() => Interlocked.Increment(ref _udpAnnounces);
    public void UdpScrape() => Interlocked.Increment(ref _udpScrapes);
    public void UdpError() => Interlocked.Increment(ref _udpErrors);

    /// <summary>Recomputes the per-second rates since the last call (the tracker calls it every few seconds).</summary>
    public void Sample()
    {
        long now = Environment.TickCount64;
        var (at, http, udp, hs, us) = _last;
        double seconds = Math.Max(0.001, (now - at) / 1000.0);
        long h = Interlocked.Read(ref _httpAnnounces), u = Interlocked.Read(ref _udpAnnounces);
        long hsc = Interlocked.Read(ref _httpScrapes), usc = Interlocked.Read(ref _udpScrapes);
        _rates = ((h - http) / seconds, (u - udp) / seconds, (hsc - hs) / seconds, (usc - us) / seconds);
        _last = (now, h, u, hsc, usc);
    }

    public string Json(ISwarmStore registry)
    {
        var (torrents, peers, seeders) = registry.Totals();
        var r = _rates;
        return "{" +
            $"\"uptimeSeconds\":{(Environment.TickCount64 - _start) / 1000}," +
            $"\"torrents\":{torrents},\"peers\":{peers},\"seeders\":{seeders},\"leechers\":{peers - seeders}," +
            $"\"http\":{{\"announces\":{_httpAnnounces},\"scrapes\":{_httpScrapes},\"errors\":{_httpErrors},\"announcesPerSecond\":{r.Http:0.0},\"scrapesPerSecond\":{r.HttpScrapes:0.0}}}," +
            $"\"udp\":{{\"connects\":{_udpConnects},\"announces\":{_udpAnnounces},\"scrapes\":{_udpScrapes},\"errors\":{_udpErrors},\"announcesPerSecond\":{r.Udp:0.0},\"scrapesPerSecond\":{r.UdpScrapes:0.0}}}" +
            "}";
    }

    /// <summary>Prometheus text exposition format.</summary>
    public string Metrics(ISwarmStore registry)
    {
        var (torrents, peers, seeders) = registry.Totals();
        string http = PrometheusText.Labels(("protocol", "http")), udp = PrometheusText.Labels(("protocol", "udp"));
        return new PrometheusText()
            .Gauge("shoal_tracker_torrents", "Torrents with at least one peer.", ("", torrents))
            .Gauge("shoal_tracker_peers", "Peers registered.", ("", peers))
            .Gauge("shoal_tracker_seeders", "Peers with the whole torrent.", ("", seeders))
            .Counter("shoal_tracker_announces_total", "Announces answered.", (http, _httpAnnounces), (udp, _udpAnnounces))
            .Counter("shoal_tracker_scrapes_total", "Scrapes answered.", (http, _httpScrapes), (udp, _udpScrapes))
            .Counter("shoal_tracker_errors_total", "Requests refused.", (http, _httpErrors), (udp, _udpErrors))
            .Counter("shoal_tracker_udp_connects_total", "UDP connection ids issued.", (udp, _udpConnects))
            .ToString();
    }
}

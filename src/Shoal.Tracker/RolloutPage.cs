using System.Net;
using System.Text;
using System.Text.Json;
using Shoal.Diagnostics;

namespace Shoal.Tracker;

/// <summary>The roll-out view as /rollout (JSON), /rollout.html (a table that reloads itself every 5 s) and Prometheus samples with a site label.</summary>
public static class RolloutPage
{
    /// <summary>The answer to /rollout (JSON) or /rollout.html, with its content type.</summary>
    public static (ReadOnlyMemory<byte> Body, string ContentType) Respond(string path, IReadOnlyList<RolloutTorrent> torrents) =>
        path == "/rollout" ? (Json(torrents), "application/json") : (Html(torrents), "text/html; charset=utf-8");

    public static byte[] Json(IReadOnlyList<RolloutTorrent> torrents)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartArray("torrents");
            foreach (var t in torrents)
            {
                w.WriteStartObject();
                w.WriteString("infoHash", t.InfoHash);
                Counts(w, t.Seeding, t.Downloading, t.Stopped);
                w.WriteStartArray("sites");
                foreach (var s in t.Sites)
                {
                    w.WriteStartObject();
                    w.WriteString("site", s.Site);
                    Counts(w, s.Seeding, s.Downloading, s.Stopped);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static void Counts(Utf8JsonWriter w, int seeding, int downloading, int stopped)
    {
        w.WriteNumber("seeding", seeding);
        w.WriteNumber("downloading", downloading);
        w.WriteNumber("stopped", stopped);
    }

    public static byte[] Html(IReadOnlyList<RolloutTorrent> torrents)
    {
        var html = new StringBuilder();
        html.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"5\">")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Roll-out</title><style>")
            .Append("body{font-family:system-ui,sans-serif;margin:12px;color:#1d2633}table{border-collapse:collapse;margin-bottom:18px}")
            .Append("th,td{padding:3px 10px;border-bottom:1px solid #e1e6eb;text-align:left}td.n{text-align:right}")
            .Append("h2{font-size:1rem;font-family:ui-monospace,monospace;overflow-wrap:anywhere}</style></head><body><h1>Roll-out</h1>");
        if (torrents.Count == 0)
            html.Append("<p>No machine has announced yet.</p>");
        foreach (var t in torrents)
        {
            html.Append("<h2>").Append(WebUtility.HtmlEncode(t.InfoHash)).Append("</h2><table data-infohash=\"").Append(t.InfoHash)
                .Append("\"><tr><th>Site</th><th>Seeding</th><th>Downloading</th><th>Stopped</th></tr>");
            foreach (var s in t.Sites)
                Row(html, WebUtility.HtmlEncode(s.Site), s.Seeding, s.Downloading, s.Stopped);
            Row(html, "<strong>all</strong>", t.Seeding, t.Downloading, t.Stopped);
            html.Append("</table>");
        }
        return Encoding.UTF8.GetBytes(html.Append("</body></html>").ToString());
    }

    private static void Row(StringBuilder html, string site, int seeding, int downloading, int stopped) =>
        html.Append("<tr><td>").Append(site).Append("</td><td class=\"n\">").Append(seeding).Append("</td><td class=\"n\">").Append(downloading)
            .Append("</td><td class=\"n\">").Append(stopped).Append("</td></tr>");

    /// <summary><c>shoal_tracker_rollout_machines{infohash, site, state}</c>.</summary>
    public static string Metrics(IReadOnlyList<RolloutTorrent> torrents) =>
        new PrometheusText().Gauge("shoal_tracker_rollout_machines", "Machines per torrent, site and state (seeding, downloading, stopped).",
            [.. torrents.SelectMany(t => t.Sites.SelectMany(s => new[] { ("seeding", s.Seeding), ("downloading", s.Downloading), ("stopped", s.Stopped) }
                .Select(x => (PrometheusText.Labels(("infohash", t.InfoHash), ("site", s.Site), ("state", x.Item1)), (double)x.Item2))))]).ToString();
}

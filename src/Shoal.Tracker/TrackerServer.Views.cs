using System.Text;
using Microsoft.AspNetCore.Http;

namespace Shoal.Tracker;

/// <summary>The tracker's read-only views: /stats (JSON), /metrics (Prometheus), /rollout (JSON) and /rollout.html.</summary>
public sealed partial class TrackerServer
{
    private (ReadOnlyMemory<byte> Body, string ContentType) View(HttpContext context, string path)
    {
        if (path is "/rollout" or "/rollout.html")
            return RolloutPage.Respond(path, Rollout.Snapshot());
        try
        {
            return path == "/stats"
                ? (Encoding.UTF8.GetBytes(Stats.Json(Store)), "application/json")
                : (Encoding.UTF8.GetBytes(Stats.Metrics(Store) + RolloutPage.Metrics(Rollout.Snapshot())), Diagnostics.PrometheusText.ContentType);
        }
        catch (TrackerRequestException e)
        {
            context.Response.StatusCode = 503; // the store cannot be reached
            return (Encoding.UTF8.GetBytes(e.Message), PlainText);
        }
    }
}

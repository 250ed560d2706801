using Shoal.Diagnostics;

namespace Shoal.Tests.Diagnostics;

public class PrometheusTextTests
{
    [Fact]
    public void Families_have_help_and_type_lines_and_label_values_are_escaped()
    {
        string text = new PrometheusText()
            .Gauge("shoal_peers", "Peers connected.", ("", 3))
            .Counter("shoal_requests_total", "Requests.", (PrometheusText.Labels(("path", "a\"b\\c\nd"), ("site", "lyon")), 1.5))
            .ToString();
        Assert.Equal(
            "# HELP shoal_peers Peers connected.\n# TYPE shoal_peers gauge\nshoal_peers 3\n"
            + "# HELP shoal_requests_total Requests.\n# TYPE shoal_requests_total counter\nshoal_requests_total{path=\"a\\\"b\\\\c\\nd\",site=\"lyon\"} 1.5\n",
            text);
    }
}

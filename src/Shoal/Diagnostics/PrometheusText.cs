using System.Globalization;
using System.Text;

namespace Shoal.Diagnostics;

/// <summary>
/// Prometheus' text exposition format (version 0.0.4), written a family at a time: its HELP and
/// TYPE lines, then one sample per label set. Label values are escaped as the format says.
/// </summary>
public sealed class PrometheusText
{
    /// <summary>The media type of the format.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly StringBuilder _text = new();

    /// <summary>A gauge family: a value that goes up and down.</summary>
    public PrometheusText Gauge(string name, string help, params (string Labels, double Value)[] samples) => Family(name, help, "gauge", samples);

    /// <summary>A counter family: a total that only grows (while the process runs).</summary>
    public PrometheusText Counter(string name, string help, params (string Labels, double Value)[] samples) => Family(name, help, "counter", samples);

    /// <summary>Labels for a sample: <c>name="value"</c> pairs, the values escaped.</summary>
    public static string Labels(params (string Name, string Value)[] labels) =>
        string.Join(',', labels.Select(l => $"{l.Name}=\"{l.Value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)}\""));

    private PrometheusText Family(string name, string help, string type, (string Labels, double Value)[] samples)
    {
        _text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
        _text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        foreach (var (labels, value) in samples)
        {
            _text.Append(name);
            if (labels.Length > 0)
                _text.Append('{').Append(labels).Append('}');
            _text.Append(' ').Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        }
        return this;
    }

    /// <inheritdoc/>
    public override string ToString() => _text.ToString();
}

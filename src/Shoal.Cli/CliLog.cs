using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Shoal.Cli;

/// <summary>
/// The engine's log lines for the `shoal` tool: those at or above the chosen level are queued
/// here and shown by the display (above the live bars, or on stderr as plain lines). Debug and
/// trace lines carry the seconds since the log began, as the display shows lines only once a
/// second: "debug: [1.234] ...".
/// </summary>
public sealed class CliLog(LogLevel minimum) : ILoggerFactory
{
    private const int MaxQueued = 10_000;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly long _began = System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>Parses --log-level: trace, debug, info, warning, error or none.</summary>
    public static LogLevel ParseLevel(string? text) => text?.ToLowerInvariant() switch
    {
        null or "warning" or "warn" => LogLevel.Warning,
        "trace" => LogLevel.Trace,
        "debug" => LogLevel.Debug,
        "info" or "information" => LogLevel.Information,
        "error" => LogLevel.Error,
        "none" or "off" => LogLevel.None,
        _ => throw new UsageException($"--log-level must be trace, debug, info, warning, error or none, not '{text}'"),
    };

    /// <summary>Takes every queued line, oldest first.</summary>
    public IEnumerable<string> Drain()
    {
        while (_lines.TryDequeue(out var line))
            yield return line;
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Logger(CliLog log) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= log.Minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel) || log._lines.Count >= MaxQueued)
                return;
            string message = formatter(state, exception);
            log._lines.Enqueue(logLevel <= LogLevel.Debug
                ? $"{Short(logLevel)}: [{System.Diagnostics.Stopwatch.GetElapsedTime(log._began).TotalSeconds:F3}] {message}"
                : $"{Short(logLevel)}: {message}");
        }

        private static string Short(LogLevel level) => level switch
        {
            LogLevel.Trace => "trace",
            LogLevel.Debug => "debug",
            LogLevel.Information => "info",
            LogLevel.Warning => "warning",
            LogLevel.Error => "error",
            _ => "critical",
        };
    }

    public LogLevel Minimum { get; } = minimum;
}

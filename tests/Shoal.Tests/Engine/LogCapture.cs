using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Shoal.Tests.Engine;

/// <summary>A logger factory that keeps every formatted line, for tests that check what the engine says.</summary>
internal sealed class LogCapture : ILoggerFactory
{
    private readonly ConcurrentQueue<(LogLevel Level, string Line)> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines.Select(l => l.Line)];

    public IEnumerable<string> At(LogLevel level) => _lines.Where(l => l.Level == level).Select(l => l.Line);

    public bool Contains(string text) => _lines.Any(l => l.Line.Contains(text, StringComparison.Ordinal));

    public override string ToString() => string.Join(" | ", Lines);

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture capture) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            capture._lines.Enqueue((logLevel, formatter(state, exception)));
    }
}

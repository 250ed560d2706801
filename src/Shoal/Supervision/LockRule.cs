namespace Shoal.Supervision;

/// <summary>
/// The torrent lock's rule, checked: nothing but the engine's own decisions runs under a
/// torrent's lock. Code that is not ours (the user's events and ranking, a logger) is called only
/// after the lock is released; what must follow a decision is queued under the lock and run
/// after it (TorrentSwarm.AfterRelease). With <see cref="Checked"/> on (the tests turn it on for
/// the whole run), calling out while any torrent's lock is held throws, so that a break of the
/// rule fails the test that meets it instead of waiting for a deadlock in the field.
/// </summary>
internal static class LockRule
{
    /// <summary>Whether user code checks that no torrent lock is held (off by default: the check costs a look at every torrent).</summary>
    public static bool Checked { get; set; }

    /// <summary>Throws, when checked, if the calling thread holds a torrent's lock of <paramref name="client"/>.</summary>
    public static void UserCode(ShoalClient client, string what)
    {
        if (!Checked)
            return;
        foreach (var torrent in client.Torrents)
        {
            if (torrent.Gate.IsHeldByCurrentThread)
                throw new InvalidOperationException($"{what} was called under the lock of torrent {torrent.Name}: code that is not the engine's never runs under it");
        }
    }
}

/// <summary>A logger that checks the lock rule before every line (a logger is code that is not ours); used when <see cref="LockRule.Checked"/> is on.</summary>
internal sealed class LockCheckedLogger(Microsoft.Extensions.Logging.ILogger inner, ShoalClient client) : Microsoft.Extensions.Logging.ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

    /// <summary>Always on, so that a line the user's logger would drop is still checked.</summary>
    public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => logLevel != Microsoft.Extensions.Logging.LogLevel.None;

    public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception,
        Func<TState, Exception?, string> formatter)
    {
        LockRule.UserCode(client, $"a log line ({eventId.Name ?? eventId.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)})");
        if (inner.IsEnabled(logLevel))
            inner.Log(logLevel, eventId, state, exception, formatter);
    }
}

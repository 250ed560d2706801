using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Spectre.Console;

namespace Shoal.Cli;

/// <summary>
/// Shows torrents' progress: live bars on a terminal, a plain line per torrent every few seconds
/// otherwise, or one JSON object per line per torrent with --json: every second, and at once for
/// each state change (a script waiting for "seeding" learns it when it happens, not up to a
/// second later).
/// </summary>
public sealed class TransferDisplay
{
    public enum Mode { Live, Plain, Json }

    private readonly Mode _mode;
    private readonly CliLog? _log;
    private readonly int _listenPort;
    private readonly System.Collections.Concurrent.ConcurrentQueue<TorrentStatus> _changes = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously); // set (and replaced) at each change
    private readonly Stream? _jsonOutput;
    private readonly TimeProvider _time;
    private static readonly System.Diagnostics.Stopwatch Clock = System.Diagnostics.Stopwatch.StartNew();

    /// <summary>A display; JSON lines go to <paramref name="jsonOutput"/> (standard output when null), each second on <paramref name="time"/>'s clock.</summary>
    public TransferDisplay(bool json, CliLog? log = null, int listenPort = 0, Stream? jsonOutput = null, TimeProvider? time = null)
    {
        _listenPort = listenPort;
        _jsonOutput = jsonOutput;
        _time = time ?? TimeProvider.System;
        _mode = json ? Mode.Json : Console.IsErrorRedirected ? Mode.Plain : Mode.Live;
        _log = log;
    }

    /// <summary>Records each torrent's status at every state change, for a JSON line of its own.</summary>
    public void Watch(IEnumerable<TorrentSession> torrents)
    {
        if (_mode != Mode.Json)
            return;
        foreach (var torrent in torrents)
        {
            torrent.StateChanged += (session, _) =>
            {
                _changes.Enqueue(session.GetStatus());
                Interlocked.Exchange(ref _changed, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            };
        }
    }

    /// <summary>Engine log lines go to stderr, never into the JSON on stdout.</summary>
    private void WriteLogLines(Action<string> write)
    {
        if (_log is null)
            return;
        foreach (var line in _log.Drain())
            write(line);
    }

    /// <summary>Shows the torrents until <paramref name="until"/> completes, then prints a last update.</summary>
    public async Task RunAsync(IReadOnlyList<TorrentSession> torrents, Task until)
    {
        switch (_mode)
        {
            case Mode.Live:
                var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
                await console.Progress()
                    .AutoClear(false)
                    .HideCompleted(false)
                    .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn())
                    .StartAsync(async ctx =>
                    {
                        var bars = torrents.Select(t => ctx.AddTask(Markup.Escape(t.Name), maxValue: 1.0)).ToList();
                        while (true)
                        {
                            WriteLogLines(line => console.MarkupLine(Markup.Escape(line)));
                            for (int i = 0; i < torrents.Count; i++)
                            {
                                var status = torrents[i].GetStatus();
                                bars[i].Value = status.Progress;
                                bars[i].Description = Markup.Escape(Describe(status));
                            }
                            if (until.IsCompleted)
                                break;
                            await Task.WhenAny(until, Task.Delay(250));
                        }
                    });
                break;
            case Mode.Plain:
                while (true)
                {
                    WriteLogLines(Console.Error.WriteLine);
                    foreach (var torrent in torrents)
                        Console.Error.WriteLine(Describe(torrent.GetStatus()));
                    if (until.IsCompleted)
                        break;
                    await Task.WhenAny(until, Task.Delay(TimeSpan.FromSeconds(5)));
                }
                break;
            case Mode.Json:
                using (var stdout = _jsonOutput ?? Console.OpenStandardOutput())
                    await RunJsonAsync(torrents, until, stdout);
                break;
        }
    }

    /// <summary>A line per state change as it comes, and every torrent's status each second and at the end.</summary>
    private async Task RunJsonAsync(IReadOnlyList<TorrentSession> torrents, Task until, Stream output)
    {
        Task? second = null;
        while (true)
        {
            var change = Volatile.Read(ref _changed).Task; // taken before the queue is read, so no change slips between
            WriteLogLines(Console.Error.WriteLine);
            while (_changes.TryDequeue(out var status))
                WriteJson(output, status, _listenPort);
            if (second is null || second.IsCompleted || until.IsCompleted)
            {
                foreach (var torrent in torrents)
                    WriteJson(output, torrent.GetStatus(), _listenPort);
                second = Task.Delay(TimeSpan.FromSeconds(1), _time);
            }
            if (until.IsCompleted)
                break;
            await Task.WhenAny(until, second, change);
        }
    }

    public static string Describe(TorrentStatus s)
    {
        var text = new StringBuilder();
        text.Append(s.Name).Append(": ").Append(StateName(s.State));
        if (s.CheckProgress is { } check)
            text.Append($" {100 * check:0}% hashed");
        if (s.State == TorrentState.AwaitingMetadata)
            text.Append($" (asked {s.MetadataPeers} peer{(s.MetadataPeers == 1 ? "" : "s")})");
        if (s.HasMetadata)
            text.Append($" {100 * s.Progress:0.0}% {ByteSize.Format(s.VerifiedBytes)}/{ByteSize.Format(s.WantedBytes)}");
        else
            text.Append(" 0% of a size not known yet (fetching metadata)");
        text.Append($" down {ByteSize.Format(s.DownRate)}/s up {ByteSize.Format(s.UpRate)}/s peers {s.Peers}");
        if (s.State == TorrentState.Downloading)
            text.Append(" eta ").Append(s.Eta is { } eta ? FormatEta(eta) : "-");
        if (s.Error is not null)
            text.Append(" error: ").Append(s.Error);
        return text.ToString();
    }

    /// <summary>A state as shown: lower case, and "metadata" while it is fetched from peers.</summary>
    public static string StateName(TorrentState state) =>
        state == TorrentState.AwaitingMetadata ? "metadata" : state.ToString().ToLowerInvariant();

    private static string FormatEta(TimeSpan eta) =>
        eta.TotalHours >= 1 ? $"{(int)eta.TotalHours}h{eta.Minutes:00}m" : eta.TotalMinutes >= 1 ? $"{eta.Minutes}m{eta.Seconds:00}s" : $"{Math.Ceiling(eta.TotalSeconds)}s";

    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void WriteJson(Stream output, TorrentStatus s, int listenPort = 0)
    {
        using (var w = new Utf8JsonWriter(output, JsonOptions))
        {
            w.WriteStartObject();
            w.WriteNumber("elapsed", Math.Round(Clock.Elapsed.TotalSeconds, 3));
            w.WriteString("name", s.Name);
            w.WriteString("infoHash", s.InfoHash);
            w.WriteString("state", StateName(s.State));
            if (s.State == TorrentState.AwaitingMetadata)
                w.WriteNumber("metadataPeers", s.MetadataPeers);
            w.WriteBoolean("hasMetadata", s.HasMetadata);
            if (s.CheckProgress is { } check)
                w.WriteNumber("checkProgress", Math.Round(check, 4));
            w.WriteNumber("progress", Math.Round(s.Progress, 6));
            w.WriteNumber("verifiedBytes", s.VerifiedBytes);
            w.WriteNumber("wantedBytes", s.WantedBytes);
            w.WriteNumber("totalBytes", s.TotalBytes);
            w.WriteNumber("downloaded", s.Downloaded);
            w.WriteNumber("uploaded", s.Uploaded);
            w.WriteNumber("downRate", s.DownRate);
            w.WriteNumber("upRate", s.UpRate);
            w.WriteNumber("peers", s.Peers);
            if (listenPort > 0)
                w.WriteNumber("listenPort", listenPort);
            if (s.Eta is { } eta)
                w.WriteNumber("eta", Math.Round(eta.TotalSeconds, 1));
            else
                w.WriteNull("eta");
            if (s.Error is not null)
                w.WriteString("error", s.Error);
            if (s.TrackerError is not null)
                w.WriteString("trackerError", s.TrackerError);
            w.WriteEndObject();
        }
        output.WriteByte((byte)'\n');
        output.Flush();
    }
}

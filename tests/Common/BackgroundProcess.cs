using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Shoal.Tests.Common;

/// <summary>
/// A program running beside a test (a seed, a tracker, a leecher): its output lines are kept,
/// and disposing it kills it, by its own process id, and its children.
/// </summary>
public sealed class BackgroundProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly SemaphoreSlim _newLine = new(0);

    private BackgroundProcess(Process process) => _process = process;

    public static BackgroundProcess Start(string program, IEnumerable<string> args, IDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory ?? "",
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            info.Environment[key] = value;
        var process = new Process { StartInfo = info };
        var background = new BackgroundProcess(process);
        process.OutputDataReceived += (_, e) => background.Add(e.Data);
        process.ErrorDataReceived += (_, e) => background.Add(e.Data);
        if (!process.Start())
            throw new InvalidOperationException($"could not start {program}");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return background;
    }

    /// <summary>Runs the built `shoal` with its state (resume data) in <paramref name="stateDir"/>.</summary>
    public static BackgroundProcess Shoal(string stateDir, params string[] args) =>
        Start("dotnet", [Path.Combine(AppContext.BaseDirectory, "shoal.dll"), .. args],
            new Dictionary<string, string> { ["SHOAL_STATE_DIR"] = stateDir });

    private void Add(string? line)
    {
        if (line is null)
            return;
        _lines.Enqueue(line);
        _newLine.Release();
    }

    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;
    public string Output => string.Join('\n', _lines);

    /// <summary>Waits for an output line matching <paramref name="match"/> and returns it.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout, string what)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            var found = _lines.FirstOrDefault(match);
            if (found is not null)
                return found;
            if (_process.HasExited)
            {
                // Let the output readers drain before judging.
                _process.WaitForExit();
                found = _lines.FirstOrDefault(match);
                if (found is not null)
                    return found;
                throw new InvalidOperationException($"process exited ({_process.ExitCode}) before {what}:\n{Output}");
            }
            try
            {
                await _newLine.WaitAsync(TimeSpan.FromMilliseconds(200), deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"timed out waiting for {what}:\n{Output}");
            }
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"process did not exit in time:\n{Output}");
        }
        _process.WaitForExit(); // drains the output
        return _process.ExitCode;
    }

    /// <summary>Sends SIGKILL, as `kill -9` does.</summary>
    public void KillHard()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>Sends SIGTERM, as systemd and `kill` do.</summary>
    public void Terminate()
    {
        if (!_process.HasExited)
            ProcessRunner.Run("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]).GetAwaiter().GetResult();
    }

    /// <summary>Sends SIGINT, as Ctrl-C does.</summary>
    public void Interrupt()
    {
        if (!_process.HasExited)
            ProcessRunner.Run("kill", ["-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]).GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
                _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
        _newLine.Dispose();
    }

    /// <summary>The TCP ports this process listens on now (from /proc: its socket inodes in LISTEN state).</summary>
    public IReadOnlyList<int> ListeningPorts()
    {
        var inodes = new HashSet<string>();
        try
        {
            foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{Id}/fd"))
            {
                if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith("socket:[", StringComparison.Ordinal))
                    inodes.Add(target[8..^1]);
            }
        }
        catch (Exception e) when (e is DirectoryNotFoundException or IOException or UnauthorizedAccessException)
        {
            return [];
        }
        var ports = new SortedSet<int>();
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                // sl local_address rem_address st ... inode (field 9)
                if (fields.Length > 9 && fields[3] == "0A" && inodes.Contains(fields[9]))
                    ports.Add(Convert.ToInt32(fields[1][(fields[1].LastIndexOf(':') + 1)..], 16));
            }
        }
        return [.. ports];
    }

    /// <summary>Waits until the process listens on a TCP port and returns it; throws if it exits first or the time runs out.</summary>
    public async Task<int> ListeningPortAsync(TimeSpan timeout, int? expected = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var ports = ListeningPorts();
            if (expected is int port ? ports.Contains(port) : ports.Count > 0)
                return expected ?? ports[0];
            if (HasExited)
                throw new InvalidOperationException($"process exited ({ExitCode}) before it listened:\n{Output}");
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"process did not listen{(expected is null ? "" : $" on {expected}")} in time:\n{Output}");
            await Task.Delay(50);
        }
    }

    /// <summary>
    /// Starts a program that must be told its port (it cannot take port 0 and say which it got):
    /// tries a random port, and when the program cannot listen on it (taken by someone else: it
    /// exits or never listens there), kills it and tries another. Returns the process and its port.
    /// </summary>
    public static async Task<(BackgroundProcess Process, int Port)> StartOnSomePortAsync(Func<int, BackgroundProcess> start, int attempts = 10)
    {
        for (int attempt = 1; ; attempt++)
        {
            int port = Random.Shared.Next(20_000, 60_000);
            var process = start(port);
            try
            {
                await process.ListeningPortAsync(TimeSpan.FromSeconds(10), port);
                return (process, port);
            }
            catch (Exception) when (attempt < attempts)
            {
                process.Dispose();
            }
        }
    }

    /// <summary>The "listenPort" of the first JSON status line of a `shoal get/seed --json` process.</summary>
    public async Task<int> ShoalListenPortAsync()
    {
        string line = await WaitForLineAsync(l => l.StartsWith('{') && l.Contains("\"listenPort\"", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "shoal's listening port");
        using var json = System.Text.Json.JsonDocument.Parse(line);
        return json.RootElement.GetProperty("listenPort").GetInt32();
    }

    /// <summary>The port `shoal tracker --port 0` took, from its start line.</summary>
    public async Task<int> ShoalTrackerPortAsync()
    {
        string line = await WaitForLineAsync(l => l.Contains("tracker serving", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "the tracker to start");
        var match = System.Text.RegularExpressions.Regex.Match(line, @"port (\d+)");
        Assert.True(match.Success, line);
        return int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }
}

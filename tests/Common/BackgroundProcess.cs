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

    public static BackgroundProcess Start(string program, IEnumerable<string> args, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(program)
        {
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

    /// <summary>A port free on 127.0.0.1 for both TCP and UDP, at the moment of asking.</summary>
    public static int FreePort()
    {
        for (int attempt = 0; attempt < 50; attempt++)
        {
            using var tcp = new TcpListener(IPAddress.Loopback, 0);
            tcp.Start();
            int port = ((IPEndPoint)tcp.LocalEndpoint).Port;
            try
            {
                using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
            }
        }
        throw new InvalidOperationException("no free port");
    }
}

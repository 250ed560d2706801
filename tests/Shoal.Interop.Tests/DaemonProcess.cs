using System.Text.Json.Nodes;
using Shoal.Tests.Common;

namespace Shoal.Interop.Tests;

/// <summary>
/// `shoal daemon` with a state folder of its own (no DHT, no LSD: nothing leaves the machine),
/// its RPC on a port it picks, and transmission-remote pointed at it.
/// </summary>
internal sealed class DaemonProcess : IDisposable
{
    private BackgroundProcess _process;

    private DaemonProcess(string state, BackgroundProcess process, int port)
    {
        State = state;
        _process = process;
        Port = port;
    }

    public string State { get; }
    public int Port { get; private set; }
    public string Output => _process.Output;
    public string DownloadDir => Path.Combine(State, "downloads");

    public static async Task<DaemonProcess> StartAsync(SwarmInterop swarm, Action<JsonObject>? configure = null)
    {
        string state = swarm.Dir("daemon-" + Guid.NewGuid().ToString("N")[..6]);
        var settings = new JsonObject
        {
            ["dht-enabled"] = false,
            ["lpd-enabled"] = false,
            ["peer-port"] = 0,
            ["download-dir"] = Path.Combine(state, "downloads"),
        };
        configure?.Invoke(settings);
        await File.WriteAllTextAsync(Path.Combine(state, "settings.json"), settings.ToJsonString());
        var (process, port) = await LaunchAsync(state);
        return new DaemonProcess(state, process, port);
    }

    /// <summary>
    /// `shoal daemon` on host <paramref name="host"/> of <paramref name="lab"/> (no DHT; local
    /// discovery on), with its RPC address as seen from inside that host (transmission-remote and
    /// scripts run there reach it).
    /// </summary>
    public static async Task<(BackgroundProcess Process, string Rpc)> StartInLabAsync(SwarmInterop swarm, NetworkLab lab, int host)
    {
        string state = swarm.Dir("daemon-" + Guid.NewGuid().ToString("N")[..6]);
        await File.WriteAllTextAsync(Path.Combine(state, "settings.json"), new JsonObject
        {
            ["dht-enabled"] = false, ["lpd-enabled"] = true, ["peer-port"] = 0, ["download-dir"] = Path.Combine(state, "downloads"),
        }.ToJsonString());
        var daemon = lab.Run(host, "dotnet", [Path.Combine(AppContext.BaseDirectory, "shoal.dll"), "daemon", "--state", state, "--rpc-port", "0"]);
        string started = await daemon.WaitForLineAsync(l => l.Contains("/transmission/rpc"), TimeSpan.FromSeconds(30), "the daemon's start line");
        return (daemon, System.Text.RegularExpressions.Regex.Match(started, @"http://(127\.0\.0\.1:\d+)/").Groups[1].Value);
    }

    private static async Task<(BackgroundProcess, int)> LaunchAsync(string state)
    {
        var process = BackgroundProcess.Start("dotnet", [Path.Combine(AppContext.BaseDirectory, "shoal.dll"), "daemon", "--state", state, "--rpc-port", "0"]);
        string line = await process.WaitForLineAsync(l => l.Contains("/transmission/rpc", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "the daemon's start line");
        int at = line.IndexOf("http://127.0.0.1:", StringComparison.Ordinal) + "http://127.0.0.1:".Length;
        return (process, int.Parse(line[at..line.IndexOf('/', at)]));
    }

    /// <summary>kill -9, then (after <paramref name="meanwhile"/>) start again on the same state folder.</summary>
    public async Task KillAndRestartAsync(Action? meanwhile = null)
    {
        _process.KillHard();
        _process.Dispose();
        meanwhile?.Invoke();
        (_process, Port) = await LaunchAsync(State);
    }

    /// <summary>Runs transmission-remote against the daemon; its stdout, after checking it exited 0.</summary>
    public async Task<string> RemoteAsync(params string[] args)
    {
        var result = await TryRemoteAsync(args);
        Assert.True(result.ExitCode == 0, $"transmission-remote {string.Join(' ', args)}: {result}\ndaemon:\n{Output}");
        return result.Stdout;
    }

    public Task<ProcessResult> TryRemoteAsync(params string[] args) =>
        ProcessRunner.Run(ProcessRunner.Require("transmission-remote"), [$"127.0.0.1:{Port}", .. args]);

    /// <summary>The -l row of torrent <paramref name="id"/> (null when it is not listed).</summary>
    public async Task<string?> ListRowAsync(int id) =>
        (await RemoteAsync("-l")).Split('\n').FirstOrDefault(l => l.TrimStart().StartsWith($"{id} ", StringComparison.Ordinal) || l.TrimStart().StartsWith($"{id}* ", StringComparison.Ordinal));

    /// <summary>Polls -l until torrent <paramref name="id"/>'s row matches (a deadline, not a sleep).</summary>
    public async Task<string> WaitForRowAsync(int id, Func<string, bool> match, int seconds, string what) =>
        (await WaitForAsync(async () => await ListRowAsync(id) is { } row && match(row) ? row : null, seconds, $"torrent {id} {what}"))!;

    /// <summary>Polls transmission-remote <paramref name="args"/> until its output matches.</summary>
    public Task<string> WaitForOutputAsync(Func<string, bool> match, int seconds, string what, params string[] args) =>
        WaitForAsync(async () => await RemoteAsync(args) is { } output && match(output) ? output : null, seconds, what);

    /// <summary>Polls <paramref name="probe"/> (every 250 ms) until it finds something; fails with the daemon's output after <paramref name="seconds"/>.</summary>
    public async Task<T> WaitForAsync<T>(Func<Task<T?>> probe, int seconds, string what) where T : class
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (await probe() is { } found)
                return found;
            await Task.Delay(250);
        }
        throw new TimeoutException($"never {what}\ndaemon:\n{Output}");
    }

    /// <summary>One rpc-version 17 call (the 409 handshake done here); its arguments, after checking the result is "success".</summary>
    public async Task<JsonObject> RpcAsync(string method, JsonObject? arguments = null)
    {
        using var http = new HttpClient();
        string url = $"http://127.0.0.1:{Port}/transmission/rpc";
        string body = new JsonObject { ["method"] = method, ["arguments"] = arguments ?? [] }.ToJsonString();
        for (int attempt = 0; attempt < 2; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body) };
            if (_sessionId is not null)
                request.Headers.Add("X-Transmission-Session-Id", _sessionId);
            using var response = await http.SendAsync(request);
            if (response.StatusCode == System.Net.HttpStatusCode.Conflict)
            {
                _sessionId = response.Headers.GetValues("X-Transmission-Session-Id").Single();
                continue;
            }
            var reply = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
            Assert.True((string?)reply["result"] == "success", $"{method}: {reply}");
            return reply["arguments"]!.AsObject();
        }
        throw new InvalidOperationException("the daemon kept answering 409");
    }

    private string? _sessionId;

    public void Dispose() => _process.Dispose();
}

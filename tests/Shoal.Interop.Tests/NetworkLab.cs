using Shoal.Tests.Common;

namespace Shoal.Interop.Tests;

/// <summary>
/// Hosts on a LAN of the test's own: a network namespace per host, each joined by a veth link to
/// a bridge in a namespace of its own, addresses 10.{block}.0.{host}/24 and fd00:{block}::{host}/64
/// and a multicast route, so
/// multicast travels between hosts as on a real LAN (it does not over a bare lo). Processes run
/// inside a host with `ip netns exec`; everything is deleted at the end. Needs root (CAP_NET_ADMIN).
/// </summary>
internal sealed class NetworkLab : IDisposable
{
    private static int _nextBlock;
    private readonly string _prefix;
    private readonly int _block;
    private readonly List<string> _namespaces = [];
    private readonly List<BackgroundProcess> _processes = [];

    private NetworkLab(int block)
    {
        _block = block;
        _prefix = $"shl{Environment.ProcessId % 10000}x{block}";
    }

    public int HostCount { get; private set; }

    /// <summary>A LAN of <paramref name="hosts"/> hosts behind one bridge.</summary>
    public static async Task<NetworkLab> CreateAsync(int hosts)
    {
        var lab = new NetworkLab(10 + Interlocked.Increment(ref _nextBlock) % 200);
        try
        {
            string bridge = lab.Namespace("br");
            await lab.AddNamespaceAsync(bridge);
            await Ip("-n", bridge, "link", "add", "br0", "type", "bridge");
            await Ip("-n", bridge, "link", "set", "br0", "up");
            for (int host = 1; host <= hosts; host++)
            {
                string ns = lab.Namespace("h" + host);
                string inside = $"{lab._prefix}h{host}", outside = $"{lab._prefix}b{host}";
                await lab.AddNamespaceAsync(ns);
                await Ip("link", "add", inside, "type", "veth", "peer", "name", outside);
                await Ip("link", "set", inside, "netns", ns);
                await Ip("link", "set", outside, "netns", bridge);
                await Ip("-n", bridge, "link", "set", outside, "master", "br0");
                await Ip("-n", bridge, "link", "set", outside, "up");
                await Ip("-n", ns, "link", "set", "lo", "up");
                await Ip("-n", ns, "addr", "add", $"{lab.Address(host)}/24", "dev", inside);
                await Ip("-n", ns, "-6", "addr", "add", $"{lab.Address6(host)}/64", "dev", inside, "nodad");
                await Ip("-n", ns, "link", "set", inside, "up");
                await Ip("-n", ns, "route", "add", "224.0.0.0/4", "dev", inside);
                lab.HostCount = host;
            }
            return lab;
        }
        catch
        {
            lab.Dispose();
            throw;
        }
    }

    public string Address(int host) => $"10.{_block}.0.{host}";

    /// <summary>The host's IPv6 address (a unique local one, usable at once: no duplicate detection).</summary>
    public string Address6(int host) => $"fd00:{_block}::{host}";

    public string Namespace(string name) => $"{_prefix}-{name}";

    /// <summary>Takes host <paramref name="host"/>'s IPv4 address away (its link stays up), as when a laptop leaves a network.</summary>
    public Task RemoveAddressAsync(int host) => Ip("-n", Namespace("h" + host), "addr", "del", $"{Address(host)}/24", "dev", $"{_prefix}h{host}");

    /// <summary>Gives host <paramref name="host"/> its IPv4 address (back), as when a laptop joins a network.</summary>
    public Task AddAddressAsync(int host) => Ip("-n", Namespace("h" + host), "addr", "add", $"{Address(host)}/24", "dev", $"{_prefix}h{host}");

    /// <summary>
    /// Shapes the LAN's link into host <paramref name="host"/> (the bridge's port toward it) with a
    /// token bucket (`tc tbf`): <paramref name="rate"/> as tc writes it ("2mbit"), and a queue that
    /// holds <paramref name="queue"/> of traffic, as a home router's does. The queue is in the
    /// bridge, on the path, not in the sending host, where Linux would keep TCP from filling it
    /// (TCP small queues) and so hide how TCP competes.
    /// </summary>
    public async Task ShapeLinkToAsync(int host, string rate, TimeSpan queue)
    {
        var result = await ProcessRunner.Run(ProcessRunner.Require("ip"), ["netns", "exec", Namespace("br"), ProcessRunner.Require("tc"),
            "qdisc", "add", "dev", $"{_prefix}b{host}", "root", "tbf", "rate", rate, "burst", "10kb", "latency", $"{(int)queue.TotalMilliseconds}ms"]);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"tc tbf toward host {host}: {result.Stderr.Trim()}");
    }

    /// <summary>Runs <paramref name="program"/> inside host <paramref name="host"/> to its end.</summary>
    public Task<ProcessResult> RunToEndAsync(int host, string program, params string[] args) =>
        ProcessRunner.Run(ProcessRunner.Require("ip"), ["netns", "exec", Namespace("h" + host), ProcessRunner.Require(program), .. args]);

    /// <summary>Starts <paramref name="program"/> inside host <paramref name="host"/>; killed when the lab is disposed.</summary>
    public BackgroundProcess Run(int host, string program, IEnumerable<string> args, IDictionary<string, string>? environment = null)
    {
        var process = BackgroundProcess.Start(ProcessRunner.Require("ip"), ["netns", "exec", Namespace("h" + host), program, .. args], environment);
        _processes.Add(process);
        return process;
    }

    /// <summary>`shoal` inside host <paramref name="host"/>, bound to its IPv4 address (or its IPv6 one), with its state in <paramref name="stateDir"/>.</summary>
    public BackgroundProcess Shoal(int host, string stateDir, string[] args, bool ipv6 = false) =>
        Run(host, "dotnet", [Path.Combine(AppContext.BaseDirectory, "shoal.dll"), .. args, "--bind", ipv6 ? Address6(host) : Address(host)],
            new Dictionary<string, string> { ["SHOAL_STATE_DIR"] = stateDir });

    private async Task AddNamespaceAsync(string name)
    {
        await Ip("netns", "add", name);
        _namespaces.Add(name);
    }

    private static async Task Ip(params string[] args)
    {
        var result = await ProcessRunner.Run(ProcessRunner.Require("ip"), args);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"ip {string.Join(' ', args)}: {result.Stderr.Trim()} (network namespaces need root)");
    }

    public void Dispose()
    {
        foreach (var process in _processes)
            process.Dispose();
        foreach (var ns in _namespaces)
            ProcessRunner.Run("ip", ["netns", "del", ns]).GetAwaiter().GetResult(); // its veth ends go with it
    }
}

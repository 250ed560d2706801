using Shoal.Tests.Common;

namespace Shoal.Interop.Tests;

/// <summary>
/// Shoal as users install it: the .NET tool, the native binary, and the engine embedded by the
/// sample. Every build here keeps its intermediate files in a folder of its own
/// (--artifacts-path), never in the bin/ and obj/ the tests themselves run from.
/// </summary>
public class PackagingTests
{
    private static async Task<ProcessResult> CheckedAsync(string program, params string[] args) => await CheckedAsync(program, args, null);

    private static async Task<ProcessResult> CheckedAsync(string program, string[] args, IDictionary<string, string>? environment)
    {
        var result = await ProcessRunner.Run(program, args, timeout: TimeSpan.FromMinutes(6), environment: environment); // a publish takes minutes on two cores
        Assert.True(result.ExitCode == 0, $"{program} {string.Join(' ', args)}: {result}");
        return result;
    }

    [Fact]
    public async Task The_packed_tool_installs_into_a_tool_path_and_reports_its_version()
    {
        using var swarm = new SwarmInterop();
        string packages = swarm.Dir("packages"), tools = swarm.Dir("tools");
        await CheckedAsync("dotnet", "pack", Path.Combine(Repository.Root, "src", "Shoal.Cli", "Shoal.Cli.csproj"), "-c", "Release", "-o", packages,
            "--artifacts-path", swarm.Dir("build"));
        await CheckedAsync("dotnet", "tool", "install", "--tool-path", tools, "shoal", "--add-source", packages, "--version", "0.1.0");
        var version = await CheckedAsync(Path.Combine(tools, "shoal"), "--version");
        Assert.StartsWith("0.1.0", version.Stdout.Trim());
    }

    [Fact]
    public async Task The_native_binary_from_the_publish_script_runs_a_short_demo()
    {
        using var swarm = new SwarmInterop();
        string output = swarm.Dir("publish");
        var published = await CheckedAsync("bash", [Path.Combine(Repository.Root, "scripts", "publish.sh"), output],
            new Dictionary<string, string> { ["SHOAL_BUILD_DIR"] = swarm.Dir("build") });
        string shoal = published.Stdout.Trim().Split('\n')[^1];
        Assert.Equal(Path.Combine(output, "shoal"), shoal);
        Assert.False(File.Exists(Path.Combine(output, "shoal.dll")), "machine code, not a folder of assemblies");
        var demo = await CheckedAsync(shoal, "demo", "--peers", "3", "--size", "2MiB");
        Assert.Contains("3 of 3 copies are byte-identical", demo.Stdout);
    }

    [Fact]
    public async Task The_sample_updater_builds_and_downloads_a_torrent_from_a_local_seed()
    {
        using var swarm = new SwarmInterop();
        var (torrent, seedDir) = await swarm.SampleAsync("update", size: 2_000_000, multi: true);
        var (_, port) = await swarm.ShoalSeedAsync(torrent, seedDir);
        string build = swarm.Dir("sample"), into = swarm.Dir("into");
        await CheckedAsync("dotnet", "build", Path.Combine(Repository.Root, "samples", "Updater", "Updater.csproj"), "-c", "Release", "-o", build,
            "--artifacts-path", swarm.Dir("build"));
        var run = await CheckedAsync("dotnet", Path.Combine(build, "Updater.dll"), torrent, into, "--peer", $"127.0.0.1:{port}", "--seed-for", "0");
        Assert.Contains("done: update", run.Stdout);
        Assert.Matches(@"update: \d+(\.\d)? ?% at \d+ kB/s from \d+ peers", run.Stdout); // a progress line, with its numbers
        SwarmInterop.AssertSame(seedDir, into);
    }

    [Fact]
    public async Task The_plugins_sample_finds_a_peer_through_its_own_source_and_reaches_it_over_its_own_transport()
    {
        using var swarm = new SwarmInterop();
        var (torrent, seedDir) = await swarm.SampleAsync("update", size: 2_000_000, multi: true);
        string build = swarm.Dir("plugins"), into = swarm.Dir("into");
        await CheckedAsync("dotnet", "build", Path.Combine(Repository.Root, "samples", "Plugins", "Plugins.csproj"), "-c", "Release", "-o", build,
            "--artifacts-path", swarm.Dir("build"));
        var run = await CheckedAsync("dotnet", Path.Combine(build, "Plugins.dll"), torrent, seedDir, into);
        // The seed is known only from the peers file, and the sample's transport (preferred, tried first) reaches it over its Unix socket.
        Assert.Matches(@"peer 127\.0\.0\.1:\d+: found by User, reached over unix", run.Stdout);
        Assert.Contains("done: update", run.Stdout);
        SwarmInterop.AssertSame(seedDir, into);
    }
}

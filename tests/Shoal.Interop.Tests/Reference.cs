using System.Text.Json;
using System.Text.RegularExpressions;
using Shoal.Tests.Common;

namespace Shoal.Interop.Tests;

/// <summary>The reference programs from Debian packages. A missing one fails the test, never skips it.</summary>
internal static partial class Reference
{
    // Debian's libtorrent binding is only for /usr/bin/python3, not a python3 earlier on PATH.
    private const string Python = "/usr/bin/python3";
    private static string Script => Path.Combine(AppContext.BaseDirectory, "Scripts", "lt.py");

    public static async Task<JsonElement> LibtorrentInfo(string torrent) =>
        Json(await Checked(Python, [Script, "info", torrent]));

    public static async Task LibtorrentCreate(string path, string output, string version, int pieceSize) =>
        await Checked(Python, [Script, "create", path, output, version, pieceSize.ToString(System.Globalization.CultureInfo.InvariantCulture)]);

    /// <summary>The pieces libtorrent's own check finds correct.</summary>
    public static async Task<HashSet<int>> LibtorrentHave(string torrent, string saveDir) =>
        [.. Json(await Checked(Python, [Script, "check", torrent, saveDir])).GetProperty("have").EnumerateArray().Select(e => e.GetInt32())];

    public static Task MkTorrent(string path, string output, int pieceLog2) =>
        Checked(ProcessRunner.Require("mktorrent"), ["-a", "http://127.0.0.1:6969/announce", "-l", pieceLog2.ToString(System.Globalization.CultureInfo.InvariantCulture), "-o", output, path]);

    public static Task TransmissionCreate(string path, string output, int pieceKiB) =>
        Checked(ProcessRunner.Require("transmission-create"), ["-o", output, "-t", "http://127.0.0.1:6969/announce", "-s", pieceKiB.ToString(System.Globalization.CultureInfo.InvariantCulture), path]);

    /// <summary>The v1 info-hash transmission-show reports.</summary>
    public static async Task<string> TransmissionHash(string torrent)
    {
        var output = await Checked(ProcessRunner.Require("transmission-show"), [torrent]);
        return HashLine().Match(output).Groups[1].Value;
    }

    public static async Task<JsonElement> ShoalInfo(string torrent) =>
        Json(await CheckedShoal("info", "--json", torrent));

    public static async Task<string> CheckedShoal(params string[] args)
    {
        var result = await ProcessRunner.Shoal(args);
        Assert.True(result.ExitCode == 0, $"shoal {string.Join(' ', args)}: {result}");
        return result.Stdout;
    }

    private static async Task<string> Checked(string program, string[] args)
    {
        if (program == Python && !File.Exists(Python))
            throw new InvalidOperationException("/usr/bin/python3 is missing; install python3-libtorrent");
        var result = await ProcessRunner.Run(program, args);
        Assert.True(result.ExitCode == 0, $"{program} {string.Join(' ', args)}: {result}");
        return result.Stdout;
    }

    private static JsonElement Json(string text)
    {
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.Clone();
    }

    [GeneratedRegex(@"Hash: ([0-9a-f]{40})")]
    private static partial Regex HashLine();
}

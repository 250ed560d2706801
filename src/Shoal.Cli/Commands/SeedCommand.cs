using System.CommandLine;

namespace Shoal.Cli.Commands;

public static class SeedCommand
{
    public static Command Build()
    {
        var torrent = new Argument<string>("TORRENT") { Description = "The .torrent file." };
        var dir = new Argument<string>("DIR") { Description = "The folder holding the torrent's data (its file, or its folder, by the torrent's name)." };
        var maxUp = new Option<string?>("--max-up") { Description = "Upload cap, bytes per second (500KiB, 4MiB, 10MB)." };
        var peers = new Option<string[]>("--peer") { Description = "Connect to this peer, HOST:PORT (repeatable)." };
        var port = new Option<int?>("--port") { Description = "Listening port (default 6881-6889, else any free one)." };
        var bind = new Option<string[]>("--bind") { Description = "Listen on this address only (repeatable; default all IPv4 and IPv6)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON status object per line, every second." };
        var announce = new Option<string?>("--announce-interval") { Description = "Re-announce at least this often (e.g. 30s), whatever the tracker says." };
        var command = new Command("seed", "Check the data (or trust valid resume data) and seed it until Ctrl-C.")
        {
            torrent, dir, maxUp, peers, port, bind, json, announce,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            string folder = parse.GetValue(dir)!;
            if (!Directory.Exists(folder))
                throw new DirectoryNotFoundException($"no such folder: {folder}");
            return TransferRun.RunAsync(new TransferSettings
            {
                Torrents = [parse.GetValue(torrent)!],
                OutputDirectory = folder,
                MaxUp = CliParsing.Rate(parse.GetValue(maxUp), "--max-up"),
                Seed = true,
                Peers = [.. (parse.GetValue(peers) ?? []).Select(CliParsing.EndPoint)],
                Port = parse.GetValue(port),
                Bind = CliParsing.BindAddresses(parse.GetValue(bind)),
                Json = parse.GetValue(json),
                AnnounceInterval = parse.GetValue(announce) is { } a ? CliParsing.Duration(a, "--announce-interval") : null,
            }, cancellationToken);
        });
        return command;
    }
}

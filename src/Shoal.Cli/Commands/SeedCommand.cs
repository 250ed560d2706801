using System.CommandLine;

namespace Shoal.Cli.Commands;

public static class SeedCommand
{
    public static Command Build()
    {
        var torrent = new Argument<string>("TORRENT") { Description = "The .torrent file." };
        var dir = new Argument<string>("DIR") { Description = "The folder holding the torrent's data (its file, or its folder, by the torrent's name)." };
        var maxUp = new Option<string?>("--max-up") { Description = "Upload cap, bytes per second (500KiB, 4MiB, 10MB)." };
        var superSeed = new Option<bool>("--super-seed")
        {
            Description = "Superseed (BEP 16): tell each peer of one piece at a time, and of the next once the last was seen at another peer, so the first copy leaves this seed about once. For the first seed of a new torrent.",
        };
        var initialSeed = new Option<bool>("--initial-seed")
        {
            Description = "Superseed only until the peers together hold every piece, then seed as usual: the first copy leaves this seed about once, and its whole uplink serves the swarm after that.",
        };
        var shared = new PeerOptions();
        var command = new Command("seed", "Check the data (or trust valid resume data) and seed it until Ctrl-C.") { torrent, dir, maxUp, superSeed, initialSeed };
        shared.AddTo(command);
        command.SetAction((parse, cancellationToken) =>
        {
            string folder = parse.GetValue(dir)!;
            if (parse.GetValue(superSeed) && parse.GetValue(initialSeed))
                throw new UsageException("--super-seed and --initial-seed are two ways to seed: choose one");
            if (!Directory.Exists(folder))
                throw new DirectoryNotFoundException($"no such folder: {folder}");
            return TransferRun.RunAsync(shared.Apply(parse, new TransferSettings
            {
                Torrents = [parse.GetValue(torrent)!],
                OutputDirectory = folder,
                MaxUp = CliParsing.Rate(parse.GetValue(maxUp), "--max-up"),
                Seed = true,
                SuperSeed = parse.GetValue(superSeed),
                InitialSeed = parse.GetValue(initialSeed),
            }), cancellationToken);
        });
        return command;
    }
}

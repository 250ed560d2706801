using System.CommandLine;

namespace Shoal.Cli.Commands;

public static class GetCommand
{
    public static Command Build()
    {
        var torrents = new Argument<string[]>("TORRENT") { Description = "One or more .torrent files, magnet links or channel links (the channel's current version); '-' reads a .torrent from standard input.", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--output", "-o") { Description = "Save folder.", DefaultValueFactory = _ => "." };
        var maxDown = new Option<string?>("--max-down") { Description = "Download cap for all torrents, bytes per second (500KiB, 4MiB, 10MB)." };
        var maxUp = new Option<string?>("--max-up") { Description = "Upload cap for all torrents, bytes per second." };
        var only = new Option<string[]>("--only") { Description = "Fetch only files matching this glob (repeatable; * ? **; a pattern without / matches names at any depth)." };
        var sequential = new Option<bool>("--sequential") { Description = "Fetch pieces in order, for streaming." };
        var seed = new Option<bool>("--seed") { Description = "Keep seeding after the download, until Ctrl-C." };
        var seedRatio = new Option<double?>("--seed-ratio") { Description = "Seed until uploaded/size reaches R, then exit." };
        var seedTime = new Option<string?>("--seed-time") { Description = "Seed for this long (90s, 15m, 2h), then exit." };
        var preallocate = new Option<bool>("--preallocate") { Description = "Reserve each file's full size up front (a full disk shows at once) instead of sparse files." };
        var saveTorrent = new Option<string?>("--save-torrent") { Description = "Write the .torrent to FILE once its metadata is known (for a magnet link, fetched from peers)." };
        var feed = new Option<string?>("--feed") { Description = "For a channel link: also read the channel's signed version from this http(s) URL (enough without a DHT)." };
        var shared = new PeerOptions();
        var command = new Command("get", "Download torrents; exit 0 once every selected piece is verified.")
        {
            torrents, output, maxDown, maxUp, only, sequential, seed, seedRatio, seedTime, preallocate, saveTorrent, feed,
        };
        shared.AddTo(command);
        command.Validators.Add(result =>
        {
            if (result.GetValue(seedRatio) is < 0)
                result.AddError("--seed-ratio must not be negative");
        });
        command.SetAction((parse, cancellationToken) => TransferRun.RunAsync(shared.Apply(parse, new TransferSettings
        {
            Torrents = parse.GetValue(torrents)!,
            OutputDirectory = parse.GetValue(output)!,
            MaxDown = CliParsing.Rate(parse.GetValue(maxDown), "--max-down"),
            MaxUp = CliParsing.Rate(parse.GetValue(maxUp), "--max-up"),
            Only = parse.GetValue(only) ?? [],
            Sequential = parse.GetValue(sequential),
            Seed = parse.GetValue(seed),
            SeedRatio = parse.GetValue(seedRatio),
            SeedTime = parse.GetValue(seedTime) is { } t ? CliParsing.Duration(t, "--seed-time") : null,
            Preallocate = parse.GetValue(preallocate),
            SaveTorrent = parse.GetValue(saveTorrent),
            ChannelFeed = ChannelLookup.FeedUrl(parse.GetValue(feed)),
        }), cancellationToken));
        return command;
    }
}

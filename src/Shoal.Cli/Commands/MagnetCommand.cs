using System.CommandLine;
using Shoal.Metainfo;

namespace Shoal.Cli.Commands;

public static class MagnetCommand
{
    public static Command Build()
    {
        var input = new Argument<string>("TORRENT") { Description = "A .torrent file." };
        var command = new Command("magnet", "Print the magnet link of a torrent.") { input };
        command.SetAction(parse =>
        {
            Console.WriteLine(TorrentParser.Load(parse.GetValue(input)!).ToMagnetLink());
            return CommandRunner.Success;
        });
        return command;
    }
}

using System.CommandLine;
using Shoal.Cli;
using Shoal.Cli.Commands;

var root = new RootCommand("Shoal: a BitTorrent client, tracker and toolkit.")
{
    CreateCommand.Build(),
    InfoCommand.Build(),
    VerifyCommand.Build(),
    MagnetCommand.Build(),
    GetCommand.Build(),
    SeedCommand.Build(),
    DemoCommand.Build(),
    TrackerCommand.Build(),
    DhtNodeCommand.Build(),
    ChannelCommands.BuildKeygen(),
    ChannelCommands.BuildPublish(),
    DaemonCommand.Build(),
};
return await CommandRunner.RunAsync(root, args);

using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Shoal.Channels;
using Shoal.Dht;
using Shoal.Metainfo;

namespace Shoal.Cli.Commands;

/// <summary>`shoal keygen` and `shoal publish`: a publisher's key, and a channel's versions stored in the DHT (BEP 46).</summary>
public static class ChannelCommands
{
    public static Command BuildKeygen()
    {
        var output = new Option<string>("--output", "-o") { Description = "Write the key to this new file (mode 0600; never overwritten).", Required = true };
        var command = new Command("keygen", "Make a publisher key for channels (Ed25519) and print its public key.") { output };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(output)!;
            using var key = ChannelKey.Generate();
            try
            {
                key.Save(path);
            }
            catch (IOException) when (File.Exists(path))
            {
                throw new UsageException($"{path} exists; a key is never overwritten");
            }
            Console.WriteLine($"public key  {Convert.ToHexStringLower(key.PublicKey.Span)}");
            Console.WriteLine($"channel     {key.Link()}");
            Console.Error.WriteLine($"key written to {path} (keep it secret: whoever holds it can publish versions)");
            return CommandRunner.Success;
        });
        return command;
    }

    public static Command BuildPublish()
    {
        var torrent = new Argument<string>("TORRENT") { Description = "The .torrent file of the new version." };
        var keyFile = new Option<string>("--key") { Description = "The publisher key file (from shoal keygen).", Required = true };
        var salt = new Option<string?>("--salt") { Description = "The channel's name under the key (UTF-8, at most 64 bytes); a key has one channel per name." };
        var port = new Option<int>("--port") { Description = "UDP port of the DHT node (0: any free port).", DefaultValueFactory = _ => 0 };
        var bind = new Option<string[]>("--bind") { Description = "Listen on this address only (repeatable; default all IPv4 and IPv6)." };
        var every = new Option<string>("--interval") { Description = "Store the version again this often while running (DHT items expire after 2 hours).", DefaultValueFactory = _ => "30m" };
        var once = new Option<bool>("--once") { Description = "Store the version once and exit (exit 1 when no node took it)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object per store." };
        var dht = new DhtCliOptions();
        var command = new Command("publish", "Make a torrent the next version of a channel (BEP 46) and keep it stored in the DHT until Ctrl-C or SIGTERM.")
        {
            torrent, keyFile, salt, port, bind, every, once, json,
        };
        foreach (var option in dht.All)
            command.Options.Add(option);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var version = TorrentParser.Load(parse.GetValue(torrent)!);
            byte[] saltBytes = Encoding.UTF8.GetBytes(parse.GetValue(salt) ?? "");
            if (saltBytes.Length > 64)
                throw new UsageException($"--salt is {saltBytes.Length} bytes; at most 64");
            var interval = CliParsing.Duration(parse.GetValue(every)!, "--interval");
            if (interval < TimeSpan.FromSeconds(1))
                throw new UsageException("--interval must be at least 1s");
            using var key = LoadKey(parse.GetValue(keyFile)!);
            var link = key.Link(saltBytes);
            var infoHash = version.InfoHashes.V1 ?? version.InfoHashes.V2!.Value.Truncated;
            string folder = ShoalClientOptions.DefaultStateDirectory("");
            var options = dht.Read(parse, Path.Combine(folder, "dht-publish.dat"), DhtOptions.PublicRouters);
            await using var node = ChannelLookup.StartNode(options, parse.GetValue(bind), parse.GetValue(port));
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                stop.Cancel();
            });
            await node.Ready.WaitAsync(stop.Token);
            var sequenceFile = Path.Combine(folder, "channels", Convert.ToHexStringLower(link.Target.Span) + ".seq");
            bool asJson = parse.GetValue(json);
            var wait = TimeSpan.FromSeconds(5);
            while (true)
            {
                var publication = await node.PublishChannelAsync(key, saltBytes, infoHash, LastSequence(sequenceFile), stop.Token);
                SaveSequence(sequenceFile, publication.Version.Sequence);
                Print(link, publication, asJson);
                if (parse.GetValue(once))
                    return publication.StoredAt > 0 ? CommandRunner.Success : CommandRunner.Failure;
                // Nobody took it yet (a DHT still joining): try again soon, then at the interval.
                wait = publication.StoredAt > 0 ? interval : TimeSpan.FromTicks(Math.Min(interval.Ticks, wait.Ticks * 2));
                try
                {
                    await Task.Delay(wait, stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return CommandRunner.Success;
                }
            }
        });
        return command;
    }

    private static ChannelKey LoadKey(string path)
    {
        try
        {
            return ChannelKey.Load(path);
        }
        catch (FileNotFoundException)
        {
            throw new UsageException($"--key: {path} does not exist (make one with shoal keygen -o {path})");
        }
    }

    private static long LastSequence(string file) =>
        File.Exists(file) && long.TryParse(File.ReadAllText(file).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long seq) ? seq : 0;

    private static void SaveSequence(string file, long sequence)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file + ".tmp", sequence.ToString(CultureInfo.InvariantCulture));
        File.Move(file + ".tmp", file, overwrite: true);
    }

    private static void Print(ChannelLink link, ChannelPublication publication, bool asJson)
    {
        if (!asJson)
        {
            Console.WriteLine($"{link}  version {publication.Version.Sequence} = {publication.Version.InfoHash}, stored at {publication.StoredAt} node(s)");
            return;
        }
        using var stdout = Console.OpenStandardOutput();
        InfoCommand.WriteJson(stdout, w =>
        {
            w.WriteStartObject();
            w.WriteString("channel", link.ToString());
            w.WriteNumber("sequence", publication.Version.Sequence);
            w.WriteString("infoHash", publication.Version.InfoHash.ToHex());
            w.WriteNumber("storedAt", publication.StoredAt);
            w.WriteEndObject();
        }, indented: false);
    }
}

/// <summary>A DHT node of the command's own, to resolve or publish channels.</summary>
internal static class ChannelLookup
{
    public static DhtService StartNode(DhtOptions options, string[]? bind, int port)
    {
        try
        {
            return DhtService.StartStandalone(options, CliParsing.BindAddresses(bind), port);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new IOException($"cannot listen on UDP port {port}: {e.Message}");
        }
    }

    /// <summary>The channel's current version, through <paramref name="node"/> once it joined; an error saying why when there is none.</summary>
    public static async Task<ChannelVersion> ResolveAsync(DhtService node, ChannelLink link, CancellationToken cancellationToken)
    {
        await node.Ready.WaitAsync(cancellationToken);
        ChannelVersion? version;
        try
        {
            version = await node.ResolveChannelAsync(link, cancellationToken);
        }
        catch (FormatException e)
        {
            throw new FormatException($"channel {link}: {e.Message}", e);
        }
        return version ?? throw new InvalidOperationException($"channel {link}: no node of the DHT has a version of it ({node.GetStats().Nodes} nodes known)");
    }
}

using System.CommandLine;
using System.Globalization;
using System.Net;
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
        var once = new Option<bool>("--once") { Description = "Store the version once and exit (exit 1 when no DHT node took it)." };
        var noDht = new Option<bool>("--no-dht") { Description = "Do not store the version in the DHT (serve it with --feed-file or --serve)." };
        var feedFile = new Option<string?>("--feed-file") { Description = "Also write the signed version to this file, for an HTTP(S) server to serve to followers." };
        var serve = new Option<string?>("--serve") { Description = "Also serve the signed version over HTTP on ADDRESS:PORT (port 0: any free one; the URL is printed)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object per store." };
        var trackers = new Option<string[]>("--tracker") { Description = "A tracker of the channel's versions, put in the channel's link (repeatable; default: the torrent's trackers)." };
        var dht = new DhtCliOptions();
        var command = new Command("publish", "Make a torrent the next version of a channel (BEP 46): store it in the DHT and/or serve it signed over HTTP, "
            + "and keep doing so until Ctrl-C or SIGTERM.")
        {
            torrent, keyFile, salt, port, bind, every, once, noDht, feedFile, serve, json, trackers,
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
            bool useDht = !parse.GetValue(noDht);
            if (!useDht && parse.GetValue(feedFile) is null && parse.GetValue(serve) is null)
                throw new UsageException("--no-dht needs --feed-file or --serve: the version must go somewhere");
            using var key = LoadKey(parse.GetValue(keyFile)!);
            string[] given = parse.GetValue(trackers) ?? [];
            var link = ChannelLink.For(key.PublicKey.Span, saltBytes,
                given.Length > 0 ? given : version.Trackers.SelectMany(tier => tier).Distinct().Take(ChannelLink.MaxTrackers));
            // BEP 46 names a version by 20 bytes, which a follower reads as a v1 info-hash: a v2-only torrent cannot be named.
            var infoHash = version.InfoHashes.V1 ?? throw new UsageException(
                "a channel names a version by its v1 info-hash (BEP 46's 20-byte ih); make the torrent hybrid (shoal create --hybrid), which keeps v2's per-file reuse");
            string folder = ShoalClientOptions.DefaultStateDirectory("");
            await using var node = useDht
                ? DhtCliOptions.StartNode(dht.Read(parse, Path.Combine(folder, "dht-publish.dat"), DhtOptions.PublicRouters), parse.GetValue(bind), parse.GetValue(port))
                : null;
            await using var server = parse.GetValue(serve) is { } at
                ? await FeedServer.StartAsync(IPEndPoint.TryParse(at, out var listen) ? listen : throw new UsageException($"--serve: '{at}' is not ADDRESS:PORT"))
                : null;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                stop.Cancel();
            });
            if (node is not null)
                await node.Ready.WaitAsync(stop.Token);
            var state = new PublisherState(Path.Combine(folder, "channels", Convert.ToHexStringLower(link.Target.Span) + ".seq"));
            bool asJson = parse.GetValue(json);
            var wait = TimeSpan.FromSeconds(5);
            while (true)
            {
                var (lastSequence, lastHash) = state.Load();
                var publication = node is not null
                    ? await node.PublishChannelAsync(key, saltBytes, infoHash, lastHash == infoHash ? lastSequence - 1 : lastSequence, stop.Token)
                    : new ChannelPublication(new ChannelVersion(infoHash, lastHash == infoHash ? Math.Max(1, lastSequence) : lastSequence + 1), 0);
                state.Save(publication.Version);
                byte[] feed = ChannelFeed.Create(key, saltBytes, publication.Version);
                if (parse.GetValue(feedFile) is { } file)
                    ChannelFeed.Save(file, feed);
                server?.Update(feed);
                Print(link, publication, node is not null, server?.Url, asJson);
                bool stored = node is null || publication.StoredAt > 0;
                if (parse.GetValue(once))
                    return stored ? CommandRunner.Success : CommandRunner.Failure;
                // Nobody took it yet (a DHT still joining): try again soon, then at the interval.
                wait = stored ? interval : TimeSpan.FromTicks(Math.Min(interval.Ticks, wait.Ticks * 2));
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

    private static void Print(ChannelLink link, ChannelPublication publication, bool dht, Uri? url, bool asJson)
    {
        if (!asJson)
        {
            string where = (dht ? $", stored at {publication.StoredAt} DHT node(s)" : "") + (url is null ? "" : $", served at {url}");
            Console.WriteLine($"{link}  version {publication.Version.Sequence} = {publication.Version.InfoHash}{where}");
            return;
        }
        using var stdout = Console.OpenStandardOutput();
        InfoCommand.WriteJson(stdout, w =>
        {
            w.WriteStartObject();
            w.WriteString("channel", link.ToString());
            w.WriteNumber("sequence", publication.Version.Sequence);
            w.WriteString("infoHash", publication.Version.InfoHash.ToHex());
            if (dht)
                w.WriteNumber("storedAt", publication.StoredAt);
            if (url is not null)
                w.WriteString("feed", url.ToString());
            w.WriteEndObject();
        }, indented: false);
    }

    /// <summary>The last version this machine published of a channel ("SEQ INFOHASH"), so that sequence numbers only grow, with or without a DHT.</summary>
    private sealed class PublisherState(string file)
    {
        public (long Sequence, InfoHash? Hash) Load()
        {
            string[] parts = File.Exists(file) ? File.ReadAllText(file).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];
            if (parts.Length == 0 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out long sequence))
                return (0, null);
            return (sequence, parts.Length > 1 && parts[1].Length == 40 && parts[1].All(Uri.IsHexDigit) ? InfoHash.FromHex(parts[1]) : null);
        }

        public void Save(ChannelVersion version)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllText(file + ".tmp", $"{version.Sequence.ToString(CultureInfo.InvariantCulture)} {version.InfoHash.ToHex()}");
            File.Move(file + ".tmp", file, overwrite: true);
        }
    }
}

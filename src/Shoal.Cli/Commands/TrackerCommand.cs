using System.CommandLine;
using System.Net;
using System.Runtime.InteropServices;
using Shoal.Metainfo;
using Shoal.Tracker;

namespace Shoal.Cli.Commands;

public static class TrackerCommand
{
    public static Command Build()
    {
        var bind = new Option<string[]>("--bind") { Description = "Serve on this address (repeatable; default 127.0.0.1 and ::1). HTTP and UDP share it." };
        var port = new Option<int>("--port") { Description = "Port for HTTP and UDP (0: any free port, printed at start).", DefaultValueFactory = _ => 6969 };
        var allowList = new Option<string?>("--allow-list") { Description = "Serve only the info-hashes in FILE (40 hex digits a line); reloaded when it changes." };
        var interval = new Option<string>("--interval") { Description = "Announce interval told to clients (e.g. 30m).", DefaultValueFactory = _ => "30m" };
        var trustIp = new Option<bool>("--trust-ip") { Description = "Use the announce's ip= parameter (only behind a proxy you trust)." };
        var noFullScrape = new Option<bool>("--no-full-scrape") { Description = "Refuse /scrape without an info_hash." };
        var state = new Option<string?>("--state") { Description = "Keep completed counts in FILE across restarts (saved every minute and on stop)." };
        var isPrivate = new Option<bool>("--private") { Description = "Private tracker: announces need a user's passkey (/announce/KEY); needs --db." };
        var db = new Option<string?>("--db") { Description = "SQLite file of users and their upload/download totals (private mode)." };
        var sites = new Option<string?>("--sites") { Description = "Site map: lines 'CIDR NAME'; peers of the announcer's site come first (default: same /24 or /64)." };
        var store = new Option<string?>("--store") { Description = "Keep swarms in Redis (redis://HOST:PORT[/DB]) so several tracker processes answer for them; default: in this process." };
        var command = new Command("tracker", "Run a BitTorrent tracker (HTTP and UDP) until Ctrl-C or SIGTERM.")
        {
            bind, port, allowList, interval, trustIp, noFullScrape, sites, state, store, isPrivate, db,
        };
        command.Subcommands.Add(UserCommand());
        command.SetAction(async (parse, cancellationToken) =>
        {
            int p = parse.GetValue(port);
            if (p is < 0 or > 65535)
                throw new UsageException("--port must be 0-65535 (0: any free port)");
            var addresses = parse.GetValue(bind) is { Length: > 0 } given
                ? [.. given.Select(b => IPAddress.TryParse(b, out var a) ? a : throw new UsageException($"--bind: '{b}' is not an IP address"))]
                : new[] { IPAddress.Loopback, IPAddress.IPv6Loopback };
            if (parse.GetValue(isPrivate) && parse.GetValue(db) is null)
                throw new UsageException("--private needs --db FILE (create users with 'shoal tracker user add NAME --db FILE')");
            string? redis = parse.GetValue(store);
            if (redis is not null)
            {
                try
                {
                    RedisSwarmStore.ParseUrl(redis);
                }
                catch (ArgumentException e)
                {
                    throw new UsageException($"--store: {e.Message}");
                }
                if (parse.GetValue(state) is not null)
                    throw new UsageException("--state is for the in-process store; with --store redis:// the completed counts live in Redis");
            }
            string? list = parse.GetValue(allowList);
            if (list is not null && !File.Exists(list))
                throw new FileNotFoundException($"no such allow-list: {list}");
            var every = CliParsing.Duration(parse.GetValue(interval)!, "--interval");
            if (every < TimeSpan.FromSeconds(1) || every > TimeSpan.FromDays(1))
                throw new UsageException("--interval must be from 1 s to 1 day");
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                stop.Cancel();
            });
            await using var server = new TrackerServer(new TrackerOptions
            {
                Bind = addresses,
                Port = p,
                AllowListPath = list,
                StatePath = parse.GetValue(state),
                Store = redis,
                PrivateDbPath = parse.GetValue(isPrivate) ? parse.GetValue(db) : null,
                SitesPath = parse.GetValue(sites) is { } siteFile ? (File.Exists(siteFile) ? siteFile : throw new FileNotFoundException($"no such site file: {siteFile}")) : null,
                Interval = every,
                MinInterval = every < TimeSpan.FromMinutes(1) ? every : TimeSpan.FromMinutes(1),
                TrustIpParameter = parse.GetValue(trustIp),
                FullScrape = !parse.GetValue(noFullScrape),
            });
            try
            {
                await server.StartAsync();
            }
            catch (IOException e)
            {
                throw new IOException($"cannot serve on port {p}: {e.Message}");
            }
            catch (System.Net.Sockets.SocketException e)
            {
                throw new IOException($"cannot serve on port {p}: {e.Message}");
            }
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
            return CommandRunner.Success;
        });
        return command;
    }

    private static Command UserCommand()
    {
        var user = new Command("user", "Manage a private tracker's users (passkeys and totals in SQLite).");
        var name = new Argument<string>("NAME") { Description = "User name: 1-64 letters, digits, '.', '_' or '-'." };
        Option<string> Db() => new("--db") { Description = "The tracker's SQLite file.", Required = true };

        var dbAdd = Db();
        var all = new Option<bool>("--all") { Description = "The key may see every torrent the tracker serves (else only those granted to it)." };
        var add = new Command("add", "Create a user and print its passkey.") { name, dbAdd, all };
        add.SetAction(parse =>
        {
            using var store = new UserStore(parse.GetValue(dbAdd)!);
            string key = store.Add(parse.GetValue(name)!, parse.GetValue(all));
            Console.WriteLine(key);
            Console.Error.WriteLine($"announce URL path: /announce/{key}");
            return CommandRunner.Success;
        });

        var dbList = Db();
        var list = new Command("list", "List users with their passkeys and totals.") { dbList };
        list.SetAction(parse =>
        {
            using var store = new UserStore(parse.GetValue(dbList)!);
            foreach (var u in store.List())
                Console.WriteLine($"{u.Name}\t{u.Passkey}\tup {ByteSize.Format(u.Uploaded)}\tdown {ByteSize.Format(u.Downloaded)}\t" +
                    (u.AllTorrents ? "all torrents" : $"{u.Torrents} torrent{(u.Torrents == 1 ? "" : "s")}"));
            return CommandRunner.Success;
        });

        var removeName = new Argument<string>("NAME") { Description = "The user to remove." };
        var dbRemove = Db();
        var remove = new Command("remove", "Remove a user (its passkey stops working within seconds).") { removeName, dbRemove };
        remove.SetAction(parse =>
        {
            using var store = new UserStore(parse.GetValue(dbRemove)!);
            if (!store.Remove(parse.GetValue(removeName)!))
                throw new ArgumentException($"no user '{parse.GetValue(removeName)}'");
            return CommandRunner.Success;
        });
        user.Subcommands.Add(add);
        user.Subcommands.Add(list);
        user.Subcommands.Add(remove);
        user.Subcommands.Add(GrantCommand("grant", "Let a user's key see these torrents.", (store, who, keys) => store.Grant(who, keys), "granted"));
        user.Subcommands.Add(GrantCommand("revoke", "Stop a user's key from seeing these torrents.", (store, who, keys) => store.Revoke(who, keys), "revoked"));
        return user;
    }

    private static Command GrantCommand(string verb, string description, Func<UserStore, string, List<InfoHashKey>, int> change, string done)
    {
        var who = new Argument<string>("NAME") { Description = "The user." };
        var torrents = new Argument<string[]>("TORRENT") { Description = "Info-hashes (40 hex, or 64 hex for v2) or .torrent files.", Arity = ArgumentArity.OneOrMore };
        var db = new Option<string>("--db") { Description = "The tracker's SQLite file.", Required = true };
        var command = new Command(verb, description) { who, torrents, db };
        command.SetAction(parse =>
        {
            var keys = parse.GetValue(torrents)!.SelectMany(TrackerKeys).Distinct().ToList();
            using var store = new UserStore(parse.GetValue(db)!);
            int changed = change(store, parse.GetValue(who)!, keys);
            Console.Error.WriteLine($"{done} {changed} of {keys.Count} info-hashes for {parse.GetValue(who)}");
            return CommandRunner.Success;
        });
        return command;
    }

    /// <summary>
    /// The info-hashes a tracker sees for a torrent: a 40-hex v1 hash, a 64-hex v2 hash
    /// (trackers get it truncated to 20 bytes, BEP 52), or both of a .torrent file's.
    /// </summary>
    private static IEnumerable<InfoHashKey> TrackerKeys(string text)
    {
        if (InfoHashKey.TryParseHex(text, out var v1))
            return [v1];
        if (text.Length == 64 && InfoHashKey.TryParseHex(text[..40], out var v2) && text.All(Uri.IsHexDigit))
            return [v2];
        if (File.Exists(text))
        {
            var hashes = TorrentParser.Load(text).InfoHashes;
            return new[] { hashes.V1, hashes.V2?.Truncated }.Where(h => h is not null).Select(h => InfoHashKey.From(h!.Value.Span));
        }
        throw new UsageException($"'{text}' is neither an info-hash (40 or 64 hex digits) nor a .torrent file");
    }
}

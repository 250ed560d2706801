using Shoal.Channels;
using Shoal.Metainfo;

namespace Shoal.Cli.Commands;

/// <summary>Runs torrents in one client until they are done (and seeded, if asked) or Ctrl-C.</summary>
public static class TransferRun
{
    public const int DefaultPort = 6881;

    public static async Task<int> RunAsync(TransferSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Torrents.Count(t => t == StandardInput) > 1)
            throw new UsageException("standard input ('-') can be given once");
        var channels = settings.Torrents.Where(ChannelLink.IsChannelLink).Select(ChannelLink.Parse).ToList();
        if (channels.Count > 0 && settings.Dht is null && settings.ChannelFeed is null)
            throw new UsageException("a channel link is looked up in the DHT or a feed: drop --no-dht or give --feed");
        if (settings.ChannelFeed is not null && channels.Count != 1)
            throw new UsageException("--feed goes with exactly one channel link");
        var torrents = settings.Torrents.Where(t => !ChannelLink.IsChannelLink(t)).Select(Load).ToList();
        if (settings.SaveTorrent is not null && torrents.Count + channels.Count != 1)
            throw new UsageException("--save-torrent needs exactly one torrent or magnet link");
        Directory.CreateDirectory(settings.OutputDirectory);
        var globs = settings.Only.Select(CliParsing.Glob).ToList();

        var log = new CliLog(settings.LogLevel);
        await using var client = await StartClientAsync(settings, log);
        foreach (var channel in channels)
        {
            // A channel stands for its current version (BEP 46), fetched as a magnet link.
            var version = await ChannelLookup.ResolveAsync(client.Dht, settings.ChannelFeed, channel, cancellationToken);
            if (!settings.Json)
                Console.Error.WriteLine($"channel {channel}: version {version.Sequence} is {version.InfoHash}");
            torrents.Add(new Source(null, MagnetLink.Parse(channel.MagnetFor(version))));
        }
        var duplicates = torrents.GroupBy(t => t.InfoHashes.Primary).FirstOrDefault(g => g.Count() > 1);
        if (duplicates is not null)
            throw new UsageException($"torrent {duplicates.First().Name} is given twice");
        var sessions = new List<TorrentSession>();
        foreach (var source in torrents)
        {
            var options = new TorrentOptions
            {
                Sequential = settings.Sequential,
                SuperSeeding = settings.SuperSeed,
                InitialSeeding = settings.InitialSeed,
                Peers = settings.Peers,
                MaxAnnounceInterval = settings.AnnounceInterval,
                Allocation = settings.Preallocate ? Shoal.Storage.AllocationMode.Preallocate : Shoal.Storage.AllocationMode.Sparse,
                SelectFiles = globs.Count == 0 ? null : t => SelectFiles(t, globs),
            };
            if (settings.MaxPeers is int maxPeers)
                options = options with { MaxConnections = maxPeers };
            var session = source.Torrent is { } torrent
                ? client.Add(torrent, settings.OutputDirectory, options with { FilePriorities = options.SelectFiles?.Invoke(torrent) })
                : client.Add(source.Magnet!, settings.OutputDirectory, options);
            if (settings.SaveTorrent is { } saveTo)
                SaveWhenKnown(session, saveTo);
            sessions.Add(session);
        }
        if (!settings.Json)
            Console.Error.WriteLine($"listening on port {client.ListenPort}; saving into {Path.GetFullPath(settings.OutputDirectory)}");
        var display = new TransferDisplay(settings.Json, log, client.ListenPort);
        display.Watch(sessions); // every state change gets a JSON line, however brief the state
        foreach (var session in sessions)
            await session.StartAsync();

        bool seed = settings.Seed || settings.SeedRatio is not null || settings.SeedTime is not null;
        var finished = Task.WhenAll(sessions.Select(s => FinishedAsync(s, seed, settings, client.Options.Time, cancellationToken)));
        var interrupted = Task.Delay(Timeout.Infinite, cancellationToken);
        var until = Task.WhenAny(finished, interrupted);
        await display.RunAsync(sessions, until);
        bool wasInterrupted = cancellationToken.IsCancellationRequested;

        if (client.ReadCacheHits + client.ReadCacheMisses is long sent and > 0)
            Console.Error.WriteLine($"read cache: {client.ReadCacheHits} of {sent} blocks sent came from memory ({100.0 * client.ReadCacheHits / sent:0.0}%), {client.ReadCacheMisses} read from disk");
        await client.DisposeAsync(); // stops every torrent and saves resume data
        foreach (var line in log.Drain())
            Console.Error.WriteLine(line); // what the stop itself said (peers closed, with their totals)
        int failures = 0;
        foreach (var session in sessions)
        {
            var status = session.GetStatus();
            if (status.Error is not null)
            {
                Console.Error.WriteLine($"shoal: {status.Name}: {status.Error}");
                failures++;
            }
            else if (!session.Completed.IsCompleted)
            {
                failures++;
            }
        }
        if (wasInterrupted)
            Console.Error.WriteLine("shoal: stopped; resume data saved (run the same command again to resume)");
        else if (!settings.Json)
            Console.Error.WriteLine(failures == 0 ? "done" : $"{failures} torrent(s) did not complete");
        return failures == 0 ? CommandRunner.Success : CommandRunner.Failure;
    }

    /// <summary>A torrent file, or a magnet link whose metadata comes from peers.</summary>
    private sealed record Source(Torrent? Torrent, MagnetLink? Magnet)
    {
        public InfoHashes InfoHashes => Torrent?.InfoHashes ?? Magnet!.InfoHashes;
        public string Name => Torrent?.Name ?? Magnet!.DisplayName ?? InfoHashes.Primary.ToHex();
    }

    private static Source Load(string path) =>
        MagnetLink.IsMagnet(path) ? new Source(null, MagnetLink.Parse(path))
        : new Source(path == StandardInput ? ReadStandardInput() : TorrentParser.Load(path), null);

    /// <summary>The name that stands for a .torrent read from standard input (curl URL | shoal get -).</summary>
    public const string StandardInput = "-";

    /// <summary>A .torrent from standard input, read to its end (at most the size limit of a .torrent file).</summary>
    private static Torrent ReadStandardInput()
    {
        using var input = Console.OpenStandardInput();
        var data = new MemoryStream();
        var buffer = new byte[64 * 1024];
        int n;
        while ((n = input.Read(buffer)) > 0)
        {
            data.Write(buffer, 0, n);
            if (data.Length > TorrentParser.MaxTorrentFileSize)
                throw new TorrentFormatException("standard input", $"more than the {TorrentParser.MaxTorrentFileSize / (1024 * 1024)} MiB limit for a .torrent file");
        }
        if (data.Length == 0)
            throw new UsageException("no .torrent on standard input");
        return TorrentParser.Parse(data.GetBuffer().AsMemory(0, (int)data.Length));
    }

    /// <summary>Writes the torrent to <paramref name="path"/> as soon as its metadata is known (at once for a .torrent file).</summary>
    private static void SaveWhenKnown(TorrentSession session, string path)
    {
        int saved = 0;
        void Save()
        {
            if (session.Torrent is { } torrent && Interlocked.Exchange(ref saved, 1) == 0)
                File.WriteAllBytes(path, torrent.ToBytes());
        }
        session.StateChanged += (_, state) =>
        {
            if (state != TorrentState.AwaitingMetadata)
                Save();
        };
        Save();
    }

    private static async Task<ShoalClient> StartClientAsync(TransferSettings settings, CliLog log)
    {
        // Without --port: 6881-6889 as BitTorrent clients do, else any free port.
        int[] ports = settings.Port is int port ? [port] : [.. Enumerable.Range(DefaultPort, 9), 0];
        foreach (int candidate in ports)
        {
            var client = new ShoalClient(new ShoalClientOptions
            {
                ListenAddresses = settings.Bind,
                Port = candidate,
                MaxDownloadRate = settings.MaxDown,
                MaxUploadRate = settings.MaxUp,
                MaxConnections = Math.Max(new ShoalClientOptions().MaxConnections, settings.MaxPeers ?? 0),
                LoggerFactory = log,
                PeerExchange = settings.PeerExchange,
                Dht = settings.Dht,
                Lsd = settings.Lsd ? new Shoal.Discovery.LsdOptions() : null,
                WatchNetwork = true,
                Encryption = settings.Encryption,
                Transport = settings.Transport,
                Sites = settings.Sites,
            });
            try
            {
                await client.StartAsync();
                return client;
            }
            catch (System.Net.Sockets.SocketException) when (candidate != ports[^1])
            {
                await client.DisposeAsync();
            }
            catch (System.Net.Sockets.SocketException e)
            {
                await client.DisposeAsync();
                throw new IOException($"cannot listen on port {candidate}: {e.Message}");
            }
        }
        throw new InvalidOperationException("unreachable");
    }

    private static int[] SelectFiles(Torrent torrent, List<System.Text.RegularExpressions.Regex> globs)
    {
        var priorities = new int[torrent.Files.Count];
        for (int i = 0; i < torrent.Files.Count; i++)
        {
            var file = torrent.Files[i];
            if (file.IsPadding)
                continue;
            string full = string.Join('/', file.PathComponents);
            string inner = torrent.IsSingleFile ? full : string.Join('/', file.PathComponents.Skip(1));
            if (globs.Any(g => g.IsMatch(inner) || g.IsMatch(full)))
                priorities[i] = 1;
        }
        if (priorities.All(p => p == 0))
            throw new UsageException($"--only matches no file of {torrent.Name}");
        return priorities;
    }

    /// <summary>Completes when a torrent is done: verified (and seeded as asked), or stopped by an error.</summary>
    private static async Task FinishedAsync(TorrentSession session, bool seed, TransferSettings settings, TimeProvider time, CancellationToken cancellationToken)
    {
        var failed = new TaskCompletionSource();
        session.StateChanged += (_, state) =>
        {
            if (state == TorrentState.Error)
                failed.TrySetResult();
        };
        if (session.State == TorrentState.Error)
            return;
        await Task.WhenAny(session.Completed, failed.Task).ConfigureAwait(false);
        if (!seed || failed.Task.IsCompleted)
            return;
        if (settings.SeedRatio is null && settings.SeedTime is null)
        {
            await Task.WhenAny(failed.Task, Task.Delay(Timeout.Infinite, cancellationToken)).ConfigureAwait(false);
            return;
        }
        long seedingSince = time.GetTimestamp();
        while (!cancellationToken.IsCancellationRequested && !failed.Task.IsCompleted)
        {
            var status = session.GetStatus();
            double ratio = status.Uploaded / (double)Math.Max(1, status.WantedBytes);
            if (settings.SeedRatio is double r && ratio >= r)
                return;
            if (settings.SeedTime is TimeSpan t && time.GetElapsedTime(seedingSince) >= t)
                return;
            await Task.WhenAny(failed.Task, Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken)).ConfigureAwait(false);
        }
    }
}

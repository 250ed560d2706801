using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Shoal.Metainfo;
using Shoal.Tracker;
using Spectre.Console;

namespace Shoal.Cli.Commands;

/// <summary>
/// A whole swarm in one process on 127.0.0.1: one rate-capped seed and a crowd of capped
/// leechers. It prints how long the swarm took against one server at the same cap and against
/// the peer-to-peer lower bound: the claim BitTorrent is built on, on the user's own machine.
/// </summary>
public static class DemoCommand
{
    public static Command Build()
    {
        var peers = new Option<int>("--peers") { Description = "Number of leechers.", DefaultValueFactory = _ => 20 };
        var size = new Option<string>("--size") { Description = "Size of the sample file [default: 16MiB; 4MiB above 100 leechers]." };
        var seedUp = new Option<string>("--seed-up") { Description = "The seed's upload cap [default: 4MiB; 1MiB above 100 leechers]." };
        var peerUp = new Option<string>("--peer-up") { Description = "Each leecher's upload cap [default: 1MiB; above 100 leechers 32MiB divided among them]." };
        var peerDown = new Option<string>("--peer-down") { Description = "Each leecher's download cap [default: 4 times its upload cap]." };
        var keep = new Option<bool>("--keep") { Description = "Keep the demo's files (printed at the end)." };
        var seedMode = new Option<string>("--seed-mode")
        {
            Description = "How the seed serves: initial (superseed until the leechers together hold every piece, then seed as usual), super (superseed throughout, BEP 16) or plain.",
            DefaultValueFactory = _ => "initial",
        };
        seedMode.AcceptOnlyFromAmong("initial", "super", "plain");
        var superSeed = new Option<bool>("--super-seed") { Description = "The same as --seed-mode super." };
        var command = new Command("demo", "Run a local swarm (a capped seed and a crowd of leechers on 127.0.0.1) and compare it with one server.")
        {
            peers, size, seedUp, peerUp, peerDown, keep, seedMode, superSeed,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            int n = parse.GetValue(peers);
            if (n is < 1 or > DemoSwarm.MaxPeers)
                throw new UsageException($"--peers must be 1-{DemoSwarm.MaxPeers}");
            // Above 100 leechers the defaults shrink so that the swarm fits two cores: the leechers
            // together upload 32 MiB/s (a hundred at 1 MiB/s each already use both cores).
            var scaled = DemoSwarm.Defaults(n);
            long fileSize = parse.GetValue(size) is { } sizeText ? CliParsing.Rate(sizeText, "--size") : scaled.Size;
            long us = parse.GetValue(seedUp) is { } seedText ? CliParsing.Rate(seedText, "--seed-up") : scaled.SeedUp;
            long ui = parse.GetValue(peerUp) is { } upText ? CliParsing.Rate(upText, "--peer-up") : scaled.PeerUp;
            long di = parse.GetValue(peerDown) is { } down ? CliParsing.Rate(down, "--peer-down") : 4 * ui;
            if (fileSize < 1 || fileSize > 4L << 30 || us <= 0 || ui <= 0 || di <= 0)
                throw new UsageException("--size must be 1 B to 4 GiB and every rate above zero");
            string root = Path.Combine(Path.GetTempPath(), "shoal-demo-" + Guid.NewGuid().ToString("N")[..8]);
            try
            {
                string mode = parse.GetValue(superSeed) ? "super" : parse.GetValue(seedMode)!;
                return await RunAsync(root, n, fileSize, us, ui, di, mode, cancellationToken);
            }
            finally
            {
                if (parse.GetValue(keep))
                    Console.WriteLine($"files kept in {root}");
                else
                    TryDelete(root);
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(string root, int n, long fileSize, long us, long ui, long di, string seedMode, CancellationToken cancellationToken)
    {
        long fileLimit = DemoSwarm.OpenFileLimit();
        int perPeer = DemoSwarm.ConnectionsPerLeecher(n, fileLimit);
        if (perPeer < DemoSwarm.FewestConnections)
            throw new UsageException($"{n} leechers need about {n * DemoSwarm.FewestConnections + DemoSwarm.FilesPerClient * n} open files and this process may open {fileLimit} (ulimit -n)");
        string seedDir = Path.Combine(root, "seed");
        Directory.CreateDirectory(seedDir);
        string sample = Path.Combine(seedDir, "sample.bin");
        Console.WriteLine($"Shoal demo: 1 seed + {n} leechers on 127.0.0.1 share a {ByteSize.Format(fileSize)} file");
        Console.WriteLine($"  seed upload {ByteSize.Format(us)}/s ({seedMode} seeding); each leecher upload {ByteSize.Format(ui)}/s, download {ByteSize.Format(di)}/s");
        WriteSample(sample, fileSize);
        // The swarm meets through Shoal's own tracker, in this process, as a real one would.
        await using var tracker = new TrackerServer(new TrackerOptions
        {
            Bind = [IPAddress.Loopback],
            Port = 0, // a free port, read back below
            Interval = TimeSpan.FromSeconds(5),
            MinInterval = TimeSpan.FromSeconds(1),
            LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
        });
        await tracker.StartAsync();
        int trackerPort = tracker.Port;
        Console.WriteLine($"  tracker: http://127.0.0.1:{trackerPort}/announce (shoal's own, in this process)");
        var torrent = await new TorrentBuilder
        {
            // Small pieces spread sooner (a leecher passes a piece on only once it holds all of it),
            // but each costs a have to every peer that lacks it: 32 KiB pieces up to 8 MiB (a
            // hundred leechers of a 4 MiB file: 1.30x the bound with 64 KiB, 1.25x with 32 KiB,
            // 1.6x with 16 KiB), 64 KiB up to 64 MiB, the builder's choice above.
            PieceLength = fileSize <= 8L << 20 ? 32 * 1024 : fileSize <= 64L << 20 ? 64 * 1024 : null,
            Trackers = [[$"http://127.0.0.1:{trackerPort}/announce"]],
        }.BuildAsync(sample, cancellationToken: cancellationToken);
        string resume = Path.Combine(root, "resume");
        if (perPeer < new TorrentOptions().MaxConnections)
            Console.WriteLine($"  each leecher keeps at most {perPeer} connections (the process may open {fileLimit} files)");
        ShoalClientOptions Options(long up, long down) => new()
        {
            MaxConnections = down == 0 ? new ShoalClientOptions().MaxConnections : perPeer,
            ListenAddresses = [IPAddress.Loopback],
            MaxUploadRate = up,
            MaxDownloadRate = down,
            ResumeDirectory = resume,
            // Every client is in this process on 127.0.0.1: plain TCP, so the CPU goes to swarming
            // (uTP's packets and MSE's handshakes and RC4 would take most of two cores at 100 peers).
            Transport = TransportPolicy.Tcp,
            Encryption = EncryptionPolicy.Disable,
            // A leecher's pieces are in the OS's page cache, just written; a read cache per client
            // would hold the same file a hundred times in this one process's heap (measured: a
            // third more CPU, twice the memory). The seed keeps the default.
            ReadCacheSize = down == 0 ? new ShoalClientOptions().ReadCacheSize : 0,
        };

        var clients = new List<ShoalClient>();
        try
        {
            var seeder = new ShoalClient(Options(us, 0));
            clients.Add(seeder);
            await seeder.StartAsync();
            for (int i = 0; i < n; i++)
            {
                var client = new ShoalClient(Options(ui, di));
                clients.Add(client);
                await client.StartAsync();
            }
            var seed = seeder.Add(torrent, seedDir, new TorrentOptions { SuperSeeding = seedMode == "super", InitialSeeding = seedMode == "initial" });
            await seed.StartAsync();
            await seed.Completed.WaitAsync(cancellationToken);

            var leechers = new List<TorrentSession>();
            for (int i = 0; i < n; i++)
            {
                string dir = Path.Combine(root, $"peer{i + 1:00}");
                leechers.Add(clients[i + 1].Add(torrent, dir, new TorrentOptions { MaxConnections = perPeer })); // peers come from the tracker only
            }
            var clock = Stopwatch.StartNew();
            foreach (var leecher in leechers)
                await leecher.StartAsync();
            var all = Task.WhenAll(leechers.Select(l => l.Completed));
            var firstCopy = FirstCopyAsync(leechers, seed, all);
            await ShowAsync(leechers, seed, all, cancellationToken);
            if (!all.IsCompleted)
                return CommandRunner.Failure;
            clock.Stop();
            long seedUploaded = seed.GetStatus().Uploaded, leechersUploaded = leechers.Sum(l => l.GetStatus().Uploaded);
            var (spread, whole) = await firstCopy;
            // The swarm is done: stop it before the copies are checked (a thousand seeds would
            // otherwise keep dialling one another, which is all they have left to do).
            await Task.WhenAll(leechers.Select(l => l.StopAsync()).Append(seed.StopAsync()));

            var expected = HashFile(sample);
            int good = leechers.Count(l => HashFile(Path.Combine(l.SaveDirectory, "sample.bin")).AsSpan().SequenceEqual(expected));
            double f = fileSize;
            double server = n * f / us;
            double bound = Math.Max(f / us, Math.Max(f / di, n * f / (us + n * (double)ui)));
            double swarm = clock.Elapsed.TotalSeconds;
            Console.WriteLine();
            Console.WriteLine($"all {n} leechers finished in {swarm:0.0} s; {good} of {n} copies are byte-identical to the original");
            Console.WriteLine($"  one server at {ByteSize.Format(us)}/s would take   N x F / u_s = {server:0.0} s  ({server / swarm:0.0}x longer)");
            Console.WriteLine($"  peer-to-peer lower bound max(F/u_s, F/d_min, N x F / (u_s + sum u_i)) = {bound:0.0} s  (the swarm took {swarm / bound:0.00}x that)");
            Console.WriteLine($"  the seed uploaded {ByteSize.Format(seedUploaded)}; the leechers uploaded {ByteSize.Format(leechersUploaded)} to each other");
            string how = seedMode switch { "super" => " (superseeding)", "initial" => " (initial seeding)", _ => "" };
            Console.WriteLine($"  the seed{how} uploaded {spread / f:0.00} copies until the leechers together held every piece, {whole / f:0.00} until one leecher had them all");
            return good == n ? CommandRunner.Success : CommandRunner.Failure;
        }
        finally
        {
            await Task.WhenAll(clients.Select(c => c.DisposeAsync().AsTask()));
        }
    }

    /// <summary>SHA-256 of a file, read as a stream (a thousand copies read whole would each be a large-object allocation).</summary>
    private static byte[] HashFile(string path)
    {
        using var file = File.OpenRead(path);
        return SHA256.HashData(file);
    }

    /// <summary>
    /// What the seed had uploaded when a whole copy first existed among the leechers (every piece
    /// at one of them, or more), and when the first leecher completed. Polled every 20 ms, or
    /// less often in a big swarm (each poll copies every leecher's bitfield).
    /// </summary>
    private static async Task<(long Spread, long Whole)> FirstCopyAsync(List<TorrentSession> leechers, TorrentSession seed, Task all)
    {
        long? spread = null, whole = null;
        while (whole is null && !all.IsFaulted)
        {
            var held = leechers.Select(l => l.VerifiedPieces).ToList();
            if (spread is null && Enumerable.Range(0, held[0].Count).All(i => held.Any(h => h[i])))
                spread = seed.GetStatus().Uploaded;
            if (held.Any(h => h.All))
                whole = seed.GetStatus().Uploaded;
            else
                await Task.Delay(Math.Max(20, leechers.Count / 5));
        }
        return (spread ?? 0, whole ?? 0);
    }

    private static async Task ShowAsync(List<TorrentSession> leechers, TorrentSession seed, Task all, CancellationToken cancellationToken)
    {
        var until = Task.WhenAny(all, Task.Delay(Timeout.Infinite, cancellationToken));
        if (!Console.IsOutputRedirected && leechers.Count <= 50) // a bar per leecher, as long as they fit a screen
        {
            await AnsiConsole.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn())
                .StartAsync(async ctx =>
                {
                    var bars = leechers.Select((_, i) => ctx.AddTask($"peer{i + 1:00}", maxValue: 1.0)).ToList();
                    var seedBar = ctx.AddTask("seed", maxValue: 1.0);
                    while (true)
                    {
                        for (int i = 0; i < leechers.Count; i++)
                        {
                            var s = leechers[i].GetStatus();
                            bars[i].Value = s.Progress;
                            bars[i].Description = $"peer{i + 1:00} down {ByteSize.Format(s.DownRate),9}/s up {ByteSize.Format(s.UpRate),9}/s";
                        }
                        var st = seed.GetStatus();
                        seedBar.Value = 1;
                        seedBar.Description = $"seed   up {ByteSize.Format(st.UpRate),9}/s peers {st.Peers}";
                        if (until.IsCompleted)
                            break;
                        await Task.WhenAny(until, Task.Delay(250));
                    }
                });
        }
        else
        {
            var clock = Stopwatch.StartNew();
            while (!until.IsCompleted)
            {
                await Task.WhenAny(until, Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None));
                var statuses = leechers.Select(l => l.GetStatus()).ToList();
                Console.WriteLine($"{clock.Elapsed.TotalSeconds,5:0.0}s  {statuses.Count(s => s.IsFinished)}/{leechers.Count} done, average {100 * statuses.Average(s => s.Progress):0}%, " +
                    $"seed up {ByteSize.Format(seed.GetStatus().UpRate)}/s, leechers up {ByteSize.Format(statuses.Sum(s => s.UpRate))}/s");
            }
        }
    }

    private static void WriteSample(string path, long size)
    {
        var random = new Random(20261121);
        var buffer = new byte[1 << 20];
        using var file = File.Create(path);
        for (long done = 0; done < size; done += buffer.Length)
        {
            random.NextBytes(buffer);
            file.Write(buffer, 0, (int)Math.Min(buffer.Length, size - done));
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

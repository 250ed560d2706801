using System.CommandLine;
using System.Diagnostics;
using Shoal.Metainfo;
using Shoal.Storage;

namespace Shoal.Cli.Commands;

public static class CreateCommand
{
    public static Command Build()
    {
        var path = new Argument<string>("PATH") { Description = "The file or folder to share." };
        var output = new Option<string?>("--output", "-o") { Description = "Where to write the .torrent (default: NAME.torrent here)." };
        var trackers = new Option<string[]>("--tracker", "-t")
        {
            Description = "Tracker URL; repeat for more tiers; commas put several URLs in one tier.",
            AllowMultipleArgumentsPerToken = false,
        };
        var webSeeds = new Option<string[]>("--web-seed", "-w") { Description = "Web seed URL (BEP 19); repeatable." };
        var httpSeeds = new Option<string[]>("--http-seed") { Description = "HTTP seed script URL (BEP 17, asked for pieces by info-hash; v1 and hybrid torrents); repeatable." };
        var pieceSize = new Option<string>("--piece-size", "-p") { Description = "Piece size (e.g. 256KiB, 1MiB, 4194304) or 'auto'.", DefaultValueFactory = _ => "auto" };
        var isPrivate = new Option<bool>("--private") { Description = "Mark the torrent private (BEP 27): trackers only, no DHT or peer exchange." };
        var v1 = new Option<bool>("--v1") { Description = "Create a v1 torrent (the default; every client reads it)." };
        var v2 = new Option<bool>("--v2") { Description = "Create a v2-only torrent (BEP 52)." };
        var hybrid = new Option<bool>("--hybrid") { Description = "Create a hybrid v1+v2 torrent." };
        var comment = new Option<string?>("--comment", "-c") { Description = "A comment stored in the torrent." };
        var source = new Option<string?>("--source", "-s") { Description = "A source tag (in the info dictionary, so it changes the info-hash)." };
        var similar = new Option<string[]>("--similar") { Description = "A torrent this one may share files with (BEP 38: clients that have it reuse those files); repeatable." };
        var collections = new Option<string[]>("--collection") { Description = "A collection this torrent belongs to (BEP 38: torrents of one collection may share files); repeatable." };
        var noDate = new Option<bool>("--no-date") { Description = "Leave out the creation date." };
        var threads = new Option<int?>("--threads") { Description = "Hashing threads (default: all cores)." };

        var command = new Command("create", "Create a .torrent from a file or a folder.")
        {
            path, output, trackers, webSeeds, httpSeeds, pieceSize, isPrivate, v1, v2, hybrid, comment, source, similar, collections, noDate, threads,
        };
        command.Validators.Add(result =>
        {
            int versions = new[] { v1, v2, hybrid }.Count(o => result.GetValue(o));
            if (versions > 1)
                result.AddError("choose one of --v1, --v2 and --hybrid");
            if (result.GetValue(pieceSize) is { } size && !TryParsePieceSize(size, out _))
                result.AddError($"--piece-size: '{size}' is not 'auto' or a power of two from 16KiB to 256MiB");
            if (result.GetValue(threads) is < 1)
                result.AddError("--threads must be at least 1");
        });

        command.SetAction(async (parse, cancellationToken) =>
        {
            string input = parse.GetValue(path)!;
            if (!TryParsePieceSize(parse.GetValue(pieceSize)!, out int? length))
                throw new UsageException("bad --piece-size");
            var version = parse.GetValue(v2) ? TorrentVersion.V2 : parse.GetValue(hybrid) ? TorrentVersion.Hybrid : TorrentVersion.V1;
            var builder = new TorrentBuilder
            {
                Version = version,
                PieceLength = length,
                Trackers = [.. (parse.GetValue(trackers) ?? []).Select(t => (IReadOnlyList<string>)[.. t.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]).Where(t => t.Count > 0)],
                WebSeeds = parse.GetValue(webSeeds) ?? [],
                HttpSeeds = parse.GetValue(httpSeeds) ?? [],
                IsPrivate = parse.GetValue(isPrivate),
                Comment = parse.GetValue(comment),
                Source = parse.GetValue(source),
                Similar = [.. (parse.GetValue(similar) ?? []).Select(t => TorrentParser.Load(t)).Select(t => (t.InfoHashes.V1 ?? t.InfoHashes.V2!.Value).Truncated)],
                Collections = [.. (parse.GetValue(collections) ?? []).Where(c => c.Length > 0)],
                CreationDate = parse.GetValue(noDate) ? null : DateTimeOffset.UtcNow,
                Workers = parse.GetValue(threads),
            };
            if (!File.Exists(input) && !Directory.Exists(input))
                throw new FileNotFoundException($"no such file or folder: {input}");

            var files = TorrentBuilder.Enumerate(input);
            long total = files.Sum(f => f.Length);
            if (Directory.Exists(input) && TorrentBuilder.DescribesOnlyTheFile(version, files))
                Console.Error.WriteLine($"shoal: note: a v2-only torrent cannot keep a folder that holds one file; it describes '{files[0].Components[0]}' alone (use --v1 or --hybrid to keep the folder)");
            var clock = Stopwatch.StartNew();
            var torrent = await HashProgress.RunAsync($"hashing {Path.GetFileName(Path.TrimEndingDirectorySeparator(input))}", total,
                progress => builder.BuildAsync(input, files, progress, cancellationToken));
            clock.Stop();

            string target = parse.GetValue(output) ?? torrent.Name + ".torrent";
            AtomicFile.Write(target, torrent.ToBytes());

            Console.WriteLine($"created {target}");
            Console.WriteLine($"  name        {torrent.Name}");
            if (torrent.InfoHashes.V1 is { } h1)
                Console.WriteLine($"  info-hash   {h1} (v1)");
            if (torrent.InfoHashes.V2 is { } h2)
                Console.WriteLine($"  info-hash   {h2} (v2)");
            Console.WriteLine($"  size        {ByteSize.Format(torrent.DataSize)} in {torrent.Files.Count(f => !f.IsPadding)} file(s)");
            Console.WriteLine($"  pieces      {torrent.PieceCount} x {ByteSize.Format(torrent.PieceLength)}");
            Console.WriteLine($"  hashed in   {clock.Elapsed.TotalSeconds:0.00} s ({ByteSize.Format((long)(total / Math.Max(clock.Elapsed.TotalSeconds, 1e-6)))}/s)");
            return CommandRunner.Success;
        });
        return command;
    }

    private static bool TryParsePieceSize(string text, out int? length)
    {
        length = null;
        if (text.Equals("auto", StringComparison.OrdinalIgnoreCase))
            return true;
        if (!ByteSize.TryParse(text, out long bytes) || bytes < TorrentBuilder.MinAutoPieceLength
            || bytes > TorrentParser.MaxPieceLength || (bytes & (bytes - 1)) != 0)
            return false;
        length = (int)bytes;
        return true;
    }
}

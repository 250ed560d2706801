using System.CommandLine;
using System.Text.Json;
using Shoal.Metainfo;
using Shoal.Storage;

namespace Shoal.Cli.Commands;

public static class VerifyCommand
{
    public static Command Build()
    {
        var torrentArg = new Argument<string>("TORRENT") { Description = "The .torrent file." };
        var dirArg = new Argument<string>("DIR") { Description = "The save folder: it holds the torrent's file, or its folder, by the torrent's name." };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a summary." };
        var command = new Command("verify", "Check data on disk against a torrent; exit 0 only when every piece is correct.") { torrentArg, dirArg, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var torrent = TorrentParser.Load(parse.GetValue(torrentArg)!);
            string dir = parse.GetValue(dirArg)!;
            if (!Directory.Exists(dir))
                throw new DirectoryNotFoundException($"no such folder: {dir}");
            bool asJson = parse.GetValue(json);
            var result = asJson
                ? await TorrentVerifier.VerifyAsync(torrent, dir, null, cancellationToken)
                : await HashProgress.RunAsync($"verifying {torrent.Name}", torrent.TotalSize,
                    progress => TorrentVerifier.VerifyAsync(torrent, dir, progress, cancellationToken));
            if (asJson)
            {
                using var stdout = Console.OpenStandardOutput();
                InfoCommand.WriteJson(stdout, w => WriteJson(w, result));
            }
            else
            {
                Print(result);
            }
            return result.IsComplete ? CommandRunner.Success : CommandRunner.Failure;
        });
        return command;
    }

    private static void WriteJson(Utf8JsonWriter w, VerifyResult result)
    {
        var t = result.Torrent;
        w.WriteStartObject();
        w.WriteString("name", t.Name);
        w.WriteBoolean("complete", result.IsComplete);
        w.WriteNumber("pieceCount", t.PieceCount);
        w.WriteNumber("goodPieces", result.Indices(PieceState.Good).Count());
        WriteInts(w, "badPieces", result.Indices(PieceState.Bad));
        WriteInts(w, "missingPieces", result.Indices(PieceState.Missing));
        w.WriteStartArray("files");
        foreach (var (file, bad, missing) in FileProblems(result))
        {
            w.WriteStartObject();
            w.WriteString("path", file.Path);
            w.WriteNumber("length", file.Length);
            w.WriteString("status", bad.Count > 0 ? "bad" : missing.Count > 0 ? "missing" : "ok");
            WriteInts(w, "badPieces", bad);
            WriteInts(w, "missingPieces", missing);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteInts(Utf8JsonWriter w, string name, IEnumerable<int> values)
    {
        w.WriteStartArray(name);
        foreach (int v in values)
            w.WriteNumberValue(v);
        w.WriteEndArray();
    }

    /// <summary>Every data file with the bad and missing pieces that touch it.</summary>
    private static IEnumerable<(TorrentFile File, List<int> Bad, List<int> Missing)> FileProblems(VerifyResult result)
    {
        var t = result.Torrent;
        var bad = new Dictionary<int, List<int>>();
        var missing = new Dictionary<int, List<int>>();
        for (int piece = 0; piece < t.PieceCount; piece++)
        {
            var state = result.Pieces[piece];
            if (state == PieceState.Good)
                continue;
            var map = state == PieceState.Bad ? bad : missing;
            foreach (int file in t.FilesOfPiece(piece))
            {
                if (!map.TryGetValue(file, out var list))
                    map[file] = list = [];
                list.Add(piece);
            }
        }
        for (int i = 0; i < t.Files.Count; i++)
        {
            if (!t.Files[i].IsPadding)
                yield return (t.Files[i], bad.GetValueOrDefault(i) ?? [], missing.GetValueOrDefault(i) ?? []);
        }
    }

    private static void Print(VerifyResult result)
    {
        var t = result.Torrent;
        if (result.IsComplete)
        {
            Console.WriteLine($"OK: all {t.PieceCount} pieces of {t.Name} are correct ({ByteSize.Format(t.DataSize)}).");
            return;
        }
        int bad = result.Indices(PieceState.Bad).Count();
        int missing = result.Indices(PieceState.Missing).Count();
        Console.WriteLine($"FAILED: {bad} bad and {missing} missing of {t.PieceCount} pieces in {t.Name}.");
        foreach (var (state, word) in new[] { (PieceState.Bad, "bad"), (PieceState.Missing, "missing") })
        {
            foreach (var (first, last) in Ranges(result.Indices(state)))
            {
                var files = Enumerable.Range(first, last - first + 1).SelectMany(result.FilesOf).Distinct().Select(f => f.Path);
                string pieces = first == last ? $"piece {first}" : $"pieces {first}-{last}";
                Console.WriteLine($"  {pieces} {word}: {string.Join(", ", files)}");
            }
        }
    }

    private static IEnumerable<(int First, int Last)> Ranges(IEnumerable<int> sorted)
    {
        int? first = null, last = null;
        foreach (int i in sorted)
        {
            if (last is { } l && i == l + 1)
            {
                last = i;
                continue;
            }
            if (first is { } f)
                yield return (f, last!.Value);
            first = last = i;
        }
        if (first is { } ff)
            yield return (ff, last!.Value);
    }
}

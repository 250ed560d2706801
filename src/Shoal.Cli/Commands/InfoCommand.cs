using System.CommandLine;
using System.Text.Json;
using Shoal.Channels;
using Shoal.Metainfo;

namespace Shoal.Cli.Commands;

public static class InfoCommand
{
    public static Command Build()
    {
        var input = new Argument<string>("TORRENT") { Description = "A .torrent file, a magnet link, or a channel link (magnet:?xs=urn:btpk:KEY&s=SALT; looked up in the DHT)." };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a summary." };
        var feed = new Option<string?>("--feed") { Description = "For a channel link: also read the channel's signed version from this http(s) URL." };
        var noDht = new Option<bool>("--no-dht") { Description = "For a channel link: do not look in the DHT (then --feed is needed)." };
        var dht = new DhtCliOptions();
        var command = new Command("info", "Show what a torrent file or magnet link holds, or a channel's current version.") { input, json, feed, noDht };
        foreach (var option in dht.All)
            command.Options.Add(option);
        command.SetAction(async (parse, cancellationToken) =>
        {
            string source = parse.GetValue(input)!;
            bool asJson = parse.GetValue(json);
            using var stdout = Console.OpenStandardOutput();
            if (ChannelLink.IsChannelLink(source))
            {
                var link = ChannelLink.Parse(source);
                var feedUrl = ChannelLookup.FeedUrl(parse.GetValue(feed));
                if (parse.GetValue(noDht) && feedUrl is null)
                    throw new UsageException("--no-dht needs --feed: a channel's version is in the DHT or a feed");
                await using var node = parse.GetValue(noDht) ? null
                    : DhtCliOptions.StartNode(dht.Read(parse, ShoalClientOptions.DefaultStateDirectory("dht-info.dat"), Shoal.Dht.DhtOptions.PublicRouters), null, 0);
                var version = await ChannelLookup.ResolveAsync(node, feedUrl, link, cancellationToken);
                if (asJson)
                    WriteJson(stdout, w => WriteChannelJson(w, link, version));
                else
                    PrintChannel(link, version);
            }
            else if (MagnetLink.IsMagnet(source))
            {
                var magnet = MagnetLink.Parse(source);
                if (asJson)
                    WriteJson(stdout, w => WriteMagnetJson(w, magnet));
                else
                    PrintMagnet(magnet);
            }
            else
            {
                var torrent = TorrentParser.Load(source);
                if (asJson)
                    WriteJson(stdout, w => WriteTorrentJson(w, torrent));
                else
                    PrintTorrent(torrent);
            }
            return CommandRunner.Success;
        });
        return command;
    }

    private static void WriteChannelJson(Utf8JsonWriter w, ChannelLink link, ChannelVersion version)
    {
        w.WriteStartObject();
        w.WriteString("channel", link.ToString());
        w.WriteNumber("sequence", version.Sequence);
        w.WriteString("infoHash", version.InfoHash.ToHex());
        w.WriteString("magnet", link.MagnetFor(version));
        w.WriteEndObject();
    }

    private static void PrintChannel(ChannelLink link, ChannelVersion version)
    {
        Console.WriteLine($"channel     {link}");
        Console.WriteLine($"version     {version.Sequence} (sequence number)");
        Console.WriteLine($"info-hash   {version.InfoHash}");
        Console.WriteLine($"magnet      {link.MagnetFor(version)}");
    }

    internal static void WriteJson(Stream stream, Action<Utf8JsonWriter> write, bool indented = true)
    {
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = indented, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            write(writer);
        stream.Write("\n"u8);
    }

    private static void WriteTorrentJson(Utf8JsonWriter w, Torrent t)
    {
        w.WriteStartObject();
        w.WriteString("name", t.Name);
        w.WriteString("version", t.Version.ToString().ToLowerInvariant());
        WriteHash(w, "infoHashV1", t.InfoHashes.V1);
        WriteHash(w, "infoHashV2", t.InfoHashes.V2);
        w.WriteNumber("pieceLength", t.PieceLength);
        w.WriteNumber("pieceCount", t.PieceCount);
        // The sum of the listed files, padding files included (libtorrent's total_size for v1 and hybrid).
        w.WriteNumber("totalSize", t.Files.Sum(f => f.Length));
        w.WriteNumber("dataSize", t.DataSize);
        w.WriteBoolean("private", t.IsPrivate);
        WriteTiers(w, t.Trackers);
        WriteStrings(w, "webSeeds", t.WebSeeds);
        WriteStrings(w, "httpSeeds", t.HttpSeeds);
        WriteNullable(w, "comment", t.Comment);
        WriteNullable(w, "createdBy", t.CreatedBy);
        if (t.CreationDate is { } date)
            w.WriteString("creationDate", date.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        else
            w.WriteNull("creationDate");
        WriteNullable(w, "source", t.Source);
        WriteStrings(w, "similar", t.Similar.Select(h => h.ToHex()));
        WriteStrings(w, "collections", t.Collections);
        w.WriteString("magnet", t.ToMagnetLink().ToString());
        w.WriteStartArray("files");
        foreach (var file in t.Files)
        {
            w.WriteStartObject();
            w.WriteString("path", file.Path);
            w.WriteNumber("length", file.Length);
            w.WriteBoolean("padding", file.IsPadding);
            w.WriteNumber("offset", file.Offset);
            if (file.Attributes.Length > 0)
                w.WriteString("attributes", file.Attributes);
            if (!file.PiecesRoot.IsEmpty)
                w.WriteString("piecesRoot", Convert.ToHexStringLower(file.PiecesRoot.Span));
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteMagnetJson(Utf8JsonWriter w, MagnetLink m)
    {
        w.WriteStartObject();
        WriteNullable(w, "name", m.DisplayName);
        WriteHash(w, "infoHashV1", m.InfoHashes.V1);
        WriteHash(w, "infoHashV2", m.InfoHashes.V2);
        w.WriteNull("pieceLength");
        w.WriteNull("pieceCount");
        w.WriteNull("totalSize");
        w.WriteNull("private");
        WriteTiers(w, [.. m.Trackers.Select(t => (IReadOnlyList<string>)[t])]);
        WriteStrings(w, "webSeeds", m.WebSeeds);
        WriteStrings(w, "peers", m.Peers);
        if (m.SelectOnly is { } so)
        {
            w.WriteStartArray("selectOnly");
            foreach (int i in so)
                w.WriteNumberValue(i);
            w.WriteEndArray();
        }
        w.WriteString("magnet", m.ToString());
        w.WriteNull("files");
        w.WriteEndObject();
    }

    private static void WriteHash(Utf8JsonWriter w, string name, InfoHash? hash)
    {
        if (hash is { } h)
            w.WriteString(name, h.ToHex());
        else
            w.WriteNull(name);
    }

    private static void WriteNullable(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
            w.WriteNull(name);
        else
            w.WriteString(name, value);
    }

    private static void WriteStrings(Utf8JsonWriter w, string? name, IEnumerable<string> values)
    {
        if (name is null)
            w.WriteStartArray();
        else
            w.WriteStartArray(name);
        foreach (var value in values)
            w.WriteStringValue(value);
        w.WriteEndArray();
    }

    private static void WriteTiers(Utf8JsonWriter w, IReadOnlyList<IReadOnlyList<string>> tiers)
    {
        w.WriteStartArray("trackers");
        foreach (var tier in tiers)
            WriteStrings(w, null, tier);
        w.WriteEndArray();
    }

    private static void PrintTorrent(Torrent t)
    {
        Console.WriteLine($"name        {t.Name}");
        Console.WriteLine($"version     {t.Version.ToString().ToLowerInvariant()}");
        if (t.InfoHashes.V1 is { } h1)
            Console.WriteLine($"info-hash   {h1} (v1)");
        if (t.InfoHashes.V2 is { } h2)
            Console.WriteLine($"info-hash   {h2} (v2)");
        var dataFiles = t.Files.Where(f => !f.IsPadding).ToList();
        Console.WriteLine($"size        {ByteSize.Format(t.DataSize)} ({t.DataSize} bytes) in {dataFiles.Count} file(s)");
        Console.WriteLine($"pieces      {t.PieceCount} x {ByteSize.Format(t.PieceLength)}");
        Console.WriteLine($"private     {(t.IsPrivate ? "yes" : "no")}");
        for (int i = 0; i < t.Trackers.Count; i++)
            Console.WriteLine($"tracker     tier {i + 1}: {string.Join(", ", t.Trackers[i])}");
        foreach (var seed in t.WebSeeds)
            Console.WriteLine($"web seed    {seed}");
        foreach (var seed in t.HttpSeeds)
            Console.WriteLine($"http seed   {seed}");
        if (t.Comment is not null)
            Console.WriteLine($"comment     {t.Comment}");
        if (t.Source is not null)
            Console.WriteLine($"source      {t.Source}");
        if (t.CreatedBy is not null || t.CreationDate is not null)
            Console.WriteLine($"created     {t.CreationDate?.ToString("u", System.Globalization.CultureInfo.InvariantCulture)} {t.CreatedBy}".TrimEnd());
        Console.WriteLine("files");
        foreach (var file in dataFiles)
            Console.WriteLine($"  {ByteSize.Format(file.Length),12}  {file.Path}");
    }

    private static void PrintMagnet(MagnetLink m)
    {
        Console.WriteLine($"name        {m.DisplayName ?? "(unknown until the metadata arrives)"}");
        if (m.InfoHashes.V1 is { } h1)
            Console.WriteLine($"info-hash   {h1} (v1)");
        if (m.InfoHashes.V2 is { } h2)
            Console.WriteLine($"info-hash   {h2} (v2)");
        foreach (var tracker in m.Trackers)
            Console.WriteLine($"tracker     {tracker}");
        foreach (var seed in m.WebSeeds)
            Console.WriteLine($"web seed    {seed}");
        foreach (var peer in m.Peers)
            Console.WriteLine($"peer        {peer}");
        if (m.SelectOnly is { } so)
            Console.WriteLine($"files       only {string.Join(',', so)}");
    }
}

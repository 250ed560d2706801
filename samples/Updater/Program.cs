// An updater built on the Shoal engine: fetch a torrent (or magnet link) into a folder, showing
// progress and stopping cleanly on Ctrl-C, then seed it for a while so the next machine gets it
// from this one.
//
//   Updater <file.torrent | magnet:?...> <folder> [--seed-for SECONDS] [--peer HOST:PORT]...
using System.Net;
using Shoal;
using Shoal.Metainfo;

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: Updater <file.torrent | magnet link> <folder> [--seed-for SECONDS] [--peer HOST:PORT]...");
    return 2;
}
string source = args[0], folder = args[1];
var seedFor = TimeSpan.FromSeconds(30);
var peers = new List<IPEndPoint>();
for (int i = 2; i + 1 < args.Length; i += 2)
{
    if (args[i] == "--seed-for")
        seedFor = TimeSpan.FromSeconds(double.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture));
    else if (args[i] == "--peer")
        peers.Add(IPEndPoint.Parse(args[i + 1]));
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true; // stop cleanly: resume data is saved, the next run goes on from here
    cancel.Cancel();
};

try
{
    // Every address, any free port (a fixed one helps peers behind a firewall reach you).
    await using var client = new ShoalClient(new ShoalClientOptions());
    await client.StartAsync();
    var progress = new Progress<TorrentStatus>(s =>
        Console.WriteLine($"{s.Name}: {s.Progress:P1} at {s.DownRate / 1000} kB/s from {s.Peers} peers"));
    var torrent = await Updater.DownloadAsync(client, source, folder, peers, progress, cancel.Token);
    Console.WriteLine($"done: {torrent.Name} is in {folder}; seeding for {seedFor.TotalSeconds:0} s");
    try
    {
        await Task.Delay(seedFor, cancel.Token);
    }
    catch (OperationCanceledException)
    {
    }
    Console.WriteLine($"uploaded {torrent.GetStatus().Uploaded} bytes");
    return 0;
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("cancelled; run again to go on where it stopped");
    return 130;
}
catch (Exception e) when (e is TorrentFormatException or IOException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}

internal static class Updater
{
    /// <summary>
    /// Adds <paramref name="source"/> (a .torrent path or a magnet link) to <paramref name="client"/>,
    /// saving into <paramref name="folder"/>, and returns once every piece is verified; reports
    /// progress twice a second. Cancelling pauses the torrent (its resume data is kept).
    /// </summary>
    public static async Task<TorrentSession> DownloadAsync(ShoalClient client, string source, string folder,
        IEnumerable<IPEndPoint> peers, IProgress<TorrentStatus> progress, CancellationToken cancellationToken)
    {
        var torrent = MagnetLink.IsMagnet(source)
            ? client.Add(MagnetLink.Parse(source), folder)
            : client.Add(TorrentParser.Load(source), folder);
        foreach (var peer in peers)
            torrent.AddPeer(peer);
        await torrent.StartAsync();
        try
        {
            while (!torrent.Completed.IsCompleted)
            {
                if (torrent.State == TorrentState.Error)
                    throw new IOException(torrent.Error);
                progress.Report(torrent.GetStatus());
                await Task.WhenAny(torrent.Completed, Task.Delay(500, cancellationToken));
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        catch (OperationCanceledException)
        {
            await torrent.PauseAsync();
            throw;
        }
        progress.Report(torrent.GetStatus());
        return torrent;
    }
}

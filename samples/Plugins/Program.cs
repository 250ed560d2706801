// A peer source and a transport written outside the engine, plugged in through its public seams
// (ShoalClient.AddPeerSource, ShoalClient.AddTransport): a seed and a downloader on this machine,
// where the downloader learns of the seed only from a peers file and reaches it only over a Unix
// domain socket. It prints how each peer was found and reached, then "done" once every byte is
// verified.
//
//   Plugins <file.torrent> <seed folder> <download folder>
using System.Net;
using Plugins;
using Shoal;

if (args.Length != 3)
{
    Console.Error.WriteLine("usage: Plugins <file.torrent> <seed folder> <download folder>");
    return 2;
}
string torrentFile = args[0], seedFolder = args[1], into = args[2];
string work = Directory.CreateTempSubdirectory("shoal-plugins-").FullName;
try
{
    var options = new ShoalClientOptions { ListenAddresses = [IPAddress.Loopback], ResumeDirectory = Path.Combine(work, "resume") };
    string sockets = Directory.CreateDirectory(Path.Combine(work, "sockets")).FullName;

    await using var seeder = new ShoalClient(options with { ResumeDirectory = Path.Combine(work, "seed-resume") });
    await seeder.StartAsync();
    var seedAt = new IPEndPoint(IPAddress.Loopback, seeder.ListenPort);
    seeder.AddTransport(new UnixSocketTransport(sockets, seedAt), preferred: true);
    var seed = seeder.Add(torrentFile, seedFolder, new TorrentOptions { DisableTrackers = true });
    await seed.StartAsync();
    await seed.Completed; // its data is checked: it seeds

    // The downloader: no tracker, no DHT, no address from the user; only the peers file.
    string peersFile = Path.Combine(work, "peers.txt");
    await File.WriteAllTextAsync(peersFile, $"# machines that hold the update\n{seedAt}\n");
    await using var downloader = new ShoalClient(options);
    downloader.AddPeerSource(PeersFileSource.For(peersFile));
    await downloader.StartAsync();
    downloader.AddTransport(new UnixSocketTransport(sockets, new IPEndPoint(IPAddress.Loopback, downloader.ListenPort)), preferred: true);
    // Capped at 1 MB/s, so that a small update takes long enough to watch its peer come in.
    var download = downloader.Add(torrentFile, into, new TorrentOptions { DisableTrackers = true, MaxDownloadRate = 1_000_000 });
    await download.StartAsync();

    using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
    var reported = new HashSet<IPEndPoint>();
    while (!download.Completed.IsCompleted)
    {
        foreach (var peer in download.GetPeers().Where(p => reported.Add(p.EndPoint)))
            Console.WriteLine($"peer {peer.EndPoint}: found by {peer.Origin}, reached over {peer.Transport}");
        if (download.State == TorrentState.Error)
            throw new InvalidOperationException(download.Error);
        timeout.Token.ThrowIfCancellationRequested();
        await Task.WhenAny(download.Completed, Task.Delay(100));
    }
    var status = download.GetStatus();
    Console.WriteLine($"done: {status.Name}, {status.VerifiedBytes} bytes verified");
    return 0;
}
catch (Exception e) when (e is InvalidOperationException or IOException or OperationCanceledException)
{
    Console.Error.WriteLine($"plugins: {e.Message}");
    return 1;
}
finally
{
    Directory.Delete(work, recursive: true);
}

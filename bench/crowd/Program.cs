// A crowd of synthetic leechers against one seed, over the real wire protocol: bench/crowd/run.sh
// points the same crowd at Shoal, libtorrent and Transmission in turn. Bounded: N leechers for one
// arrival window plus one measuring window, then everything stops.
//   Crowd --torrent FILE --target HOST:PORT --leechers N [--arrival S] [--window S] [--rate-total BYTES/S]
//         [--pid SEED_PID] [--churn FRACTION] [--stallers N] [--droppers N] [--hot-pieces K] [--label NAME] [--json FILE]
// Each leecher comes from its own address on 127.0.0.0/8, handshakes (extension and fast bits), sends
// an extension handshake, have-none (or nothing without the fast extension) and interested, then asks
// for random pieces block by block, paced to its share of --rate-total, and checks every piece it
// completes against the torrent's SHA-1. A --churn fraction of them leave once and come back 1-3 s
// later. Stallers ask and never read; droppers hang up in the middle of their first piece. With
// --hot-pieces K every leecher picks among the first K pieces (a burst of interest in the same ones).
using System.Text.Json;
using Shoal.Bench.Crowd;
using Shoal.Metainfo;

var options = CrowdOptions.Parse(args);
var torrent = TorrentParser.Load(options.Torrent);
if (torrent.InfoHashes.V1 is null)
    throw new ArgumentException("the crowd speaks v1: give it a v1 or hybrid torrent");
var crowd = new CrowdRun(options, torrent);
var result = await crowd.RunAsync();
string json = JsonSerializer.Serialize(result, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower });
Console.WriteLine(json);
if (options.Json is { } path)
    await File.WriteAllTextAsync(path, json + "\n");
Console.Error.WriteLine(result.Summary());
return result.ServedLeechers > 0 ? 0 : 1;

// A tracker load generator, bounded in count and time: UDP (connect once per socket, then many
// announces in flight) or HTTP (a new connection per request, as opentracker closes each one).
// Peers are distinct (source address 127.0.0.N, port) pairs; torrents are SHA-1 of their index.
//   TrackerLoad udp|http PORT SECONDS MAX_ANNOUNCES TORRENTS [INFLIGHT] [SOURCES]
//   TrackerLoad hashes TORRENTS          (prints the info-hashes, for an allow-list)
//   TrackerLoad crowd udp|http PORT PEERS ARRIVAL ROUNDS INTERVAL   (one swarm's crowd: TrackerCrowd.cs)
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Shoal.Trackers;

string mode = args[0];
if (mode == "crowd")
    return await TrackerCrowd.RunAsync(args[1..]);
if (mode == "hashes")
{
    for (int i = 0; i < int.Parse(args[1]); i++)
        Console.WriteLine(Convert.ToHexStringLower(Hash(i)));
    return 0;
}
int port = int.Parse(args[1]);
var duration = TimeSpan.FromSeconds(double.Parse(args[2]));
long maxAnnounces = long.Parse(args[3]);
int torrents = int.Parse(args[4]);
int inflight = args.Length > 5 ? int.Parse(args[5]) : 256;
int sources = args.Length > 6 ? int.Parse(args[6]) : 16;
var hashes = Enumerable.Range(0, torrents).Select(Hash).ToArray();
long sent = 0, answered = 0, failed = 0;
var clock = Stopwatch.StartNew();
using var stop = new CancellationTokenSource(duration);

bool Next(out long n)
{
    n = Interlocked.Increment(ref sent) - 1;
    return n < maxAnnounces && !stop.IsCancellationRequested;
}

if (mode == "udp")
{
    var tasks = Enumerable.Range(0, sources).Select(s => Task.Run(async () =>
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Parse($"127.0.0.{s + 1}"), 0));
        socket.ReceiveBufferSize = 4 << 20;
        socket.Connect(new IPEndPoint(IPAddress.Loopback, port));
        var buffer = new byte[2048];
        await socket.SendAsync(UdpTrackerPacket.Connect(1));
        int got = await socket.ReceiveAsync(buffer);
        long connectionId = UdpTrackerPacket.ParseConnect(buffer.AsSpan(0, got));
        int perSource = Math.Max(1, inflight / sources);
        async Task SendOne()
        {
            if (!Next(out long n))
                return;
            // Peer n: source s, port from n; every announce is a distinct peer until ports run out.
            var request = new AnnounceRequest(hashes[n % torrents], PeerIdOf(n), (int)(1 + (n / sources) % 65534),
                0, 0, n % 3 == 0 ? 0 : 1000, TrackerEvent.Started, 50, (uint)n);
            await socket.SendAsync(UdpTrackerPacket.Announce(connectionId, (int)n, request));
        }
        for (int i = 0; i < perSource; i++)
            await SendOne();
        while (!stop.IsCancellationRequested)
        {
            int n;
            try
            {
                n = await socket.ReceiveAsync(buffer, stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            if (n >= 20 && BinaryPrimitives.ReadInt32BigEndian(buffer) == 1)
                Interlocked.Increment(ref answered);
            else
                Interlocked.Increment(ref failed);
            if (Interlocked.Read(ref answered) + Interlocked.Read(ref failed) >= maxAnnounces)
                break;
            await SendOne();
        }
    })).ToArray();
    await Task.WhenAll(tasks);
}
else
{
    var tasks = Enumerable.Range(0, inflight).Select(w => Task.Run(async () =>
    {
        var buffer = new byte[8192];
        while (Next(out long n))
        {
            try
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(IPAddress.Parse($"127.0.0.{(n % sources) + 1}"), 0));
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), stop.Token);
                string query = $"/announce?info_hash={HttpTrackerClient.Escape(hashes[n % torrents])}&peer_id={HttpTrackerClient.Escape(PeerIdOf(n))}" +
                    $"&port={1 + (n / sources) % 65534}&uploaded=0&downloaded=0&left={(n % 3 == 0 ? 0 : 1000)}&compact=1&numwant=50&event=started";
                await socket.SendAsync(Encoding.ASCII.GetBytes($"GET {query} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"), stop.Token);
                int total = 0, read;
                while ((read = await socket.ReceiveAsync(buffer.AsMemory(total), stop.Token)) > 0)
                {
                    total += read;
                    if (total == buffer.Length)
                        break;
                }
                string reply = Encoding.Latin1.GetString(buffer, 0, total);
                if (reply.StartsWith("HTTP/1.", StringComparison.Ordinal) && reply.Contains("8:interval"))
                    Interlocked.Increment(ref answered);
                else
                    Interlocked.Increment(ref failed);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (SocketException)
            {
                Interlocked.Increment(ref failed);
            }
        }
    })).ToArray();
    await Task.WhenAll(tasks);
}
double seconds = clock.Elapsed.TotalSeconds;
Console.WriteLine($"{mode} answered={answered} failed={failed} seconds={seconds:0.00} rate={answered / seconds:0}");
return 0;

static byte[] Hash(int i) => SHA1.HashData(BitConverter.GetBytes(i));

static byte[] PeerIdOf(long n)
{
    var id = Encoding.ASCII.GetBytes("-LD0001-000000000000");
    Encoding.ASCII.GetBytes((n % 1_000_000_000_000).ToString("D12"), id.AsSpan(8));
    return id;
}

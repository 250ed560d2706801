using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Shoal.Trackers;

/// <summary>
/// A swarm's crowd at one tracker: PEERS distinct peers (each its own 127.20.x.y address) announce
/// one torrent, the first announces spread evenly over ARRIVAL seconds (event=started), then each
/// again every INTERVAL seconds, ROUNDS announces a peer in all, as real clients do (UDP: a
/// connection id per peer, reused for two minutes; HTTP: a connection per announce). Prints one
/// JSON line: answer times, refusals, timeouts, and whether every peer heard of others.
///   TrackerLoad crowd udp|http PORT PEERS ARRIVAL ROUNDS INTERVAL
/// </summary>
internal static class TrackerCrowd
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    private sealed class Peer(int index)
    {
        public IPAddress Address { get; } = new([127, 20, (byte)(index / 250), (byte)(index % 250 + 1)]);
        public byte[] Id { get; } = Encoding.ASCII.GetBytes($"-TC0001-{index:D12}");
        public long ConnectionId { get; set; } = -1;
        public long ConnectedAt { get; set; }
        public Socket? Udp { get; set; }
        public int FirstAnswerPeers { get; set; } = -1;
        public bool Heard { get; set; }
    }

    public static async Task<int> RunAsync(string[] args)
    {
        string protocol = args[0];
        int port = int.Parse(args[1], CultureInfo.InvariantCulture);
        int count = int.Parse(args[2], CultureInfo.InvariantCulture);
        double arrival = double.Parse(args[3], CultureInfo.InvariantCulture);
        int rounds = int.Parse(args[4], CultureInfo.InvariantCulture);
        double interval = double.Parse(args[5], CultureInfo.InvariantCulture);
        if (count is < 1 or > 62_500 || rounds is < 1 or > 20 || arrival is < 0 or > 600 || interval is < 1 or > 600)
            throw new ArgumentException("PEERS 1-62500, ROUNDS 1-20, ARRIVAL 0-600 s, INTERVAL 1-600 s");
        var target = new IPEndPoint(IPAddress.Loopback, port);
        byte[] hash = System.Security.Cryptography.SHA1.HashData("crowd"u8);
        var peers = Enumerable.Range(0, count).Select(i => new Peer(i)).ToList();
        var times = new List<double>();
        int answered = 0, refused = 0, timeouts = 0;
        var start = Stopwatch.GetTimestamp();

        async Task AnnounceAsync(Peer peer, bool first)
        {
            long began = Stopwatch.GetTimestamp();
            int? got;
            string? failure = null;
            try
            {
                using var deadline = new CancellationTokenSource(Timeout);
                (got, failure) = protocol == "udp"
                    ? await UdpAsync(peer, target, hash, first, deadline.Token).ConfigureAwait(false)
                    : await HttpAsync(peer, target, hash, first, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                got = null;
            }
            catch (SocketException)
            {
                got = null;
                failure = "connection failed";
            }
            lock (times)
            {
                if (got is int n)
                {
                    answered++;
                    times.Add(Stopwatch.GetElapsedTime(began).TotalMilliseconds);
                    if (peer.FirstAnswerPeers < 0)
                        peer.FirstAnswerPeers = n;
                    peer.Heard |= n > 0;
                }
                else if (failure is not null)
                    refused++;
                else
                    timeouts++;
            }
        }

        var tasks = peers.Select((peer, i) => Task.Run(async () =>
        {
            for (int round = 0; round < rounds; round++)
            {
                double at = arrival * i / Math.Max(1, count - 1) + round * interval;
                var wait = TimeSpan.FromSeconds(at) - Stopwatch.GetElapsedTime(start);
                if (wait > TimeSpan.Zero)
                    await Task.Delay(wait).ConfigureAwait(false);
                await AnnounceAsync(peer, round == 0).ConfigureAwait(false);
            }
            peer.Udp?.Dispose();
        })).ToList();
        await Task.WhenAll(tasks).ConfigureAwait(false);
        times.Sort();
        double Percentile(double p) => times.Count == 0 ? double.NaN : times[Math.Min(times.Count - 1, (int)Math.Ceiling(p * times.Count) - 1)];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"protocol\":\"{protocol}\",\"peers\":{count},\"arrival_s\":{arrival},\"rounds\":{rounds},\"interval_s\":{interval}," +
            $"\"announces\":{count * rounds},\"answered\":{answered},\"refused\":{refused},\"timeouts\":{timeouts}," +
            $"\"p50_ms\":{Percentile(0.5):0.00},\"p99_ms\":{Percentile(0.99):0.00},\"max_ms\":{(times.Count > 0 ? times[^1] : double.NaN):0.00}," +
            $"\"first_answer_empty\":{peers.Count(p => p.FirstAnswerPeers == 0)},\"never_heard\":{peers.Count(p => !p.Heard)}}}"));
        return refused + timeouts == 0 ? 0 : 1;
    }

    /// <summary>One UDP announce (after a connect when the peer has no connection id younger than a minute): the number of peers in the answer, or the failure.</summary>
    private static async Task<(int?, string?)> UdpAsync(Peer peer, IPEndPoint target, byte[] hash, bool first, CancellationToken token)
    {
        if (peer.Udp is null)
        {
            peer.Udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            peer.Udp.Bind(new IPEndPoint(peer.Address, 0));
            peer.Udp.Connect(target);
        }
        var socket = peer.Udp;
        var buffer = new byte[2048];
        if (peer.ConnectionId < 0 || Stopwatch.GetElapsedTime(peer.ConnectedAt) > TimeSpan.FromMinutes(1))
        {
            await socket.SendAsync(UdpTrackerPacket.Connect(7), token).ConfigureAwait(false);
            int got = await socket.ReceiveAsync(buffer, token).ConfigureAwait(false);
            peer.ConnectionId = UdpTrackerPacket.ParseConnect(buffer.AsSpan(0, got));
            peer.ConnectedAt = Stopwatch.GetTimestamp();
        }
        var request = new AnnounceRequest(hash, peer.Id, 6881, 0, 0, 1000, first ? TrackerEvent.Started : TrackerEvent.None, 50, 0);
        await socket.SendAsync(UdpTrackerPacket.Announce(peer.ConnectionId, 9, request), token).ConfigureAwait(false);
        int n = await socket.ReceiveAsync(buffer, token).ConfigureAwait(false);
        int action = n >= 8 ? BinaryPrimitives.ReadInt32BigEndian(buffer) : -1;
        if (action == 3)
            return (null, Encoding.UTF8.GetString(buffer, 8, n - 8));
        return action == 1 && n >= 20 ? ((n - 20) / 6, null) : (null, $"a reply of {n} bytes");
    }

    /// <summary>One HTTP announce on a connection of its own: the number of peers in the compact answer, or the failure.</summary>
    private static async Task<(int?, string?)> HttpAsync(Peer peer, IPEndPoint target, byte[] hash, bool first, CancellationToken token)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(peer.Address, 0));
        await socket.ConnectAsync(target, token).ConfigureAwait(false);
        string query = $"/announce?info_hash={HttpTrackerClient.Escape(hash)}&peer_id={HttpTrackerClient.Escape(peer.Id)}" +
            $"&port=6881&uploaded=0&downloaded=0&left=1000&compact=1&numwant=50{(first ? "&event=started" : "")}";
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET {query} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"), token).ConfigureAwait(false);
        var buffer = new byte[16384];
        int total = 0, read;
        while (total < buffer.Length && (read = await socket.ReceiveAsync(buffer.AsMemory(total), token).ConfigureAwait(false)) > 0)
            total += read;
        string reply = Encoding.Latin1.GetString(buffer, 0, total);
        int body = reply.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (!reply.StartsWith("HTTP/1.", StringComparison.Ordinal) || body < 0)
            return (null, "not an HTTP answer");
        string bencoded = reply[(body + 4)..];
        if (bencoded.Contains("14:failure reason", StringComparison.Ordinal))
            return (null, bencoded);
        int at = bencoded.IndexOf("5:peers", StringComparison.Ordinal);
        if (at < 0)
            return (null, "no peers key");
        int colon = bencoded.IndexOf(':', at + 7);
        return colon > at + 7 && int.TryParse(bencoded.AsSpan(at + 7, colon - at - 7), CultureInfo.InvariantCulture, out int length)
            ? (length / 6, null)
            : (null, "peers is not a compact string");
    }
}

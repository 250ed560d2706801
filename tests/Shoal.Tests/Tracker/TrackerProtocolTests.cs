using System.Buffers.Binary;
using System.Net;
using FsCheck;
using FsCheck.Fluent;
using Shoal.Tracker;

namespace Shoal.Tests.Tracker;

public class TrackerProtocolTests
{
    private const string Hash = "%01%02%03%04%05%06%07%08%09%0a%0b%0c%0d%0e%0f%10%11%12%13%14";
    private static readonly IPAddress Client = IPAddress.Parse("127.0.0.5");

    private static string Query(string extra = "", string hash = Hash) =>
        $"?info_hash={hash}&peer_id=-XX0001-abcdefghijkl&port=6881&uploaded=1&downloaded=2&left=3&compact=1{extra}";

    [Fact]
    public void A_good_announce_is_parsed()
    {
        var a = HttpAnnounceParser.ParseAnnounce(Query("&event=started&numwant=5000&ip=10.9.9.9"), Client, trustIpParameter: false);
        Assert.Equal("0102030405060708090a0b0c0d0e0f1011121314", a.InfoHash.ToHex());
        Assert.Equal(6881, a.Peer.Port);
        Assert.Equal(3, a.Left);
        Assert.Equal(AnnounceEvent.Started, a.Event);
        Assert.Equal(HttpAnnounceParser.MaxNumWant, a.NumWant); // capped
        Assert.Equal("-XX0001-abcdefghijkl"u8.ToArray(), a.PeerId.ToArray());
        Assert.Equal(Client, a.Peer.ToIPAddress());             // ip= ignored unless trusted
        Assert.Equal(IPAddress.Parse("10.9.9.9"), HttpAnnounceParser.ParseAnnounce(Query("&ip=10.9.9.9"), Client, true).Peer.ToIPAddress());
    }

    [Fact]
    public void Optional_fields_default_to_zero_and_fifty_peers()
    {
        for (int i = 0; i < 3; i++) // the parser's stack buffers are not cleared for it: each call must start from nothing
        {
            HttpAnnounceParser.ParseAnnounce(Query("&numwant=7"), Client, false);
            var a = HttpAnnounceParser.ParseAnnounce($"?info_hash={Hash}&peer_id=-XX0001-abcdefghijkl&port=1&left=9&info_hash=%00", Client, false);
            Assert.Equal((0L, 0L, 9L, HttpAnnounceParser.DefaultNumWant, AnnounceEvent.None, true, false),
                (a.Uploaded, a.Downloaded, a.Left, a.NumWant, a.Event, a.Compact, a.NoPeerId));
            Assert.Equal("0102030405060708090a0b0c0d0e0f1011121314", a.InfoHash.ToHex()); // the first of a repeated key counts
        }
    }

    [Theory]
    [InlineData("?peer_id=-XX0001-abcdefghijkl&port=1&left=0", "missing info_hash")]
    [InlineData("?info_hash=%01%02&peer_id=-XX0001-abcdefghijkl&port=1&left=0", "info_hash must be 20 bytes")]
    [InlineData("?info_hash=" + Hash + "&peer_id=short&port=1&left=0", "peer_id must be 20 bytes")]
    [InlineData("?info_hash=" + Hash + "&peer_id=-XX0001-abcdefghijkl&port=0&left=0", "port must be")]
    [InlineData("?info_hash=" + Hash + "&peer_id=-XX0001-abcdefghijkl&port=70000&left=0", "port must be")]
    [InlineData("?info_hash=" + Hash + "&peer_id=-XX0001-abcdefghijkl&port=1&left=-5", "left must be")]
    [InlineData("?info_hash=" + Hash + "&peer_id=-XX0001-abcdefghijkl&port=1", "missing left")]
    [InlineData("?info_hash=" + Hash + "&peer_id=-XX0001-abcdefghijkl&port=1&left=0&event=explode", "unknown event")]
    [InlineData("?info_hash=%zz", "bad percent escape")]
    public void Bad_announces_get_a_reason(string query, string reason)
    {
        var e = Assert.Throws<TrackerRequestException>(() => HttpAnnounceParser.ParseAnnounce(query, Client, false));
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void An_oversized_request_is_refused()
    {
        Assert.Throws<TrackerRequestException>(() => HttpAnnounceParser.ParseAnnounce(Query("&x=" + new string('a', 5000)), Client, false));
    }

    [Fact]
    public void Random_queries_give_only_tracker_errors()
    {
        Prop.ForAll<string>(text =>
        {
            try
            {
                HttpAnnounceParser.ParseAnnounce(text ?? "", Client, true);
            }
            catch (TrackerRequestException)
            {
            }
            try
            {
                HttpAnnounceParser.ParseScrape(text ?? "");
            }
            catch (TrackerRequestException)
            {
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(3000));
    }

    private static (UdpTrackerProtocol Protocol, SwarmRegistry Registry) Udp(Func<InfoHashKey, bool>? allowed = null)
    {
        var registry = new SwarmRegistry();
        return (new UdpTrackerProtocol(registry, new ConnectionIds(), allowed ?? (_ => true), TimeSpan.FromMinutes(30), new TrackerStats()), registry);
    }

    private static long Connect(UdpTrackerProtocol udp, IPEndPoint client)
    {
        var reply = new byte[1500];
        Assert.Equal(16, udp.Handle(Shoal.Trackers.UdpTrackerPacket.Connect(42), client, reply));
        Assert.Equal(0, BinaryPrimitives.ReadInt32BigEndian(reply));
        Assert.Equal(42, BinaryPrimitives.ReadInt32BigEndian(reply.AsSpan(4)));
        return BinaryPrimitives.ReadInt64BigEndian(reply.AsSpan(8));
    }

    private static Shoal.Trackers.AnnounceRequest Request(int port, long left) =>
        new(Enumerable.Range(1, 20).Select(i => (byte)i).ToArray(), "-XX0001-abcdefghijkl"u8.ToArray(), port, 0, 0, left, Shoal.Trackers.TrackerEvent.Started, 50, 7);

    [Fact]
    public void Udp_connect_announce_scrape_round_trip_through_the_client_parsers()
    {
        var (udp, _) = Udp();
        var seed = new IPEndPoint(IPAddress.Parse("127.0.0.2"), 40000);
        var leech = new IPEndPoint(IPAddress.Parse("127.0.0.3"), 40001);
        var reply = new byte[1500];
        int n = udp.Handle(Shoal.Trackers.UdpTrackerPacket.Announce(Connect(udp, seed), 9, Request(7001, 0)), seed, reply);
        Assert.True(Shoal.Trackers.UdpTrackerPacket.CheckReply(reply.AsSpan(0, n), 1, 9));
        n = udp.Handle(Shoal.Trackers.UdpTrackerPacket.Announce(Connect(udp, leech), 10, Request(7002, 100)), leech, reply);
        var answer = Shoal.Trackers.UdpTrackerPacket.ParseAnnounce(reply.AsSpan(0, n), ipv6: false);
        Assert.Equal(["127.0.0.2:7001"], answer.Peers.Select(p => p.ToString()));
        Assert.Equal(1, answer.Seeders);
        Assert.Equal(1, answer.Leechers);
        n = udp.Handle(Shoal.Trackers.UdpTrackerPacket.Scrape(Connect(udp, leech), 11, Request(1, 1).InfoHash), leech, reply);
        Assert.Equal(new Shoal.Trackers.ScrapeResult(1, 0, 1), Shoal.Trackers.UdpTrackerPacket.ParseScrape(reply.AsSpan(0, n)));
    }

    [Fact]
    public void Trackers_sharing_a_secret_accept_each_others_connection_ids_for_two_to_four_minutes()
    {
        var clock = new Shoal.Tests.Common.ManualClock();
        byte[] secret = [.. Enumerable.Range(0, 32).Select(i => (byte)i)];
        var a = new ConnectionIds(clock, secret);
        var b = new ConnectionIds(clock, secret);
        var stranger = new ConnectionIds(clock, [.. secret.Select(x => (byte)~x)]);
        var client = PeerEndpoint.From(IPAddress.Parse("127.0.0.2"), 40000);
        long id = a.Issue(client);
        Assert.True(b.IsValid(id, client));
        Assert.False(stranger.IsValid(id, client));
        Assert.False(b.IsValid(id, PeerEndpoint.From(IPAddress.Parse("127.0.0.3"), 40000)));
        clock.Now += TimeSpan.FromMinutes(2).Ticks; // the next window: still good
        Assert.True(b.IsValid(id, client));
        clock.Now += TimeSpan.FromMinutes(2).Ticks; // two windows on: gone
        Assert.False(b.IsValid(id, client));
        Assert.Throws<ArgumentException>(() => new ConnectionIds(clock, new byte[8]));
    }

    [Fact]
    public void A_forged_or_foreign_connection_id_is_refused()
    {
        var (udp, registry) = Udp();
        var alice = new IPEndPoint(IPAddress.Parse("127.0.0.2"), 40000);
        var mallory = new IPEndPoint(IPAddress.Parse("127.0.0.9"), 40000);
        long id = Connect(udp, alice);
        var reply = new byte[1500];
        foreach (long forged in new[] { id, 12345L })
        {
            int n = udp.Handle(Shoal.Trackers.UdpTrackerPacket.Announce(forged, 5, Request(7001, 0)), mallory, reply);
            Assert.Equal(3, BinaryPrimitives.ReadInt32BigEndian(reply));
            Assert.Contains("connection id", System.Text.Encoding.UTF8.GetString(reply, 8, n - 8));
        }
        Assert.Equal(0, registry.Totals().Peers);
    }

    [Fact]
    public void Truncated_and_unknown_packets_get_errors_or_silence_and_random_packets_never_throw()
    {
        var (udp, _) = Udp();
        var client = new IPEndPoint(IPAddress.Loopback, 1);
        var reply = new byte[1500];
        Assert.Equal(0, udp.Handle(new byte[10], client, reply));
        var shortAnnounce = Shoal.Trackers.UdpTrackerPacket.Announce(Connect(udp, client), 5, Request(1, 0))[..60];
        udp.Handle(shortAnnounce, client, reply);
        Assert.Equal(3, BinaryPrimitives.ReadInt32BigEndian(reply));
        Prop.ForAll<byte[]>(bytes => udp.Handle(bytes, client, reply)).Check(Config.QuickThrowOnFailure.WithMaxTest(3000));
    }
}

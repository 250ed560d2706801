using System.Buffers.Binary;
using FsCheck;
using FsCheck.Fluent;
using Shoal.Trackers;

namespace Shoal.Tests.Trackers;

public class TrackerParserTests
{
    [Fact]
    public void Compact_announce_with_ipv6_peers_tracker_id_and_warning()
    {
        var body = TestData.Bytes("d8:completei5e10:incompletei3e8:intervali1800e12:min intervali60e5:peers12:")
            .Concat(new byte[] { 127, 0, 0, 1, 0x1A, 0xE1, 10, 0, 0, 2, 0, 80 })
            .Concat(TestData.Bytes("6:peers618:")).Concat(System.Net.IPAddress.IPv6Loopback.GetAddressBytes()).Concat(new byte[] { 0x1A, 0xE2 })
            .Concat(TestData.Bytes("10:tracker id3:abc15:warning message4:slowe")).ToArray();
        var response = TrackerResponse.ParseAnnounce(body);
        Assert.Equal(["127.0.0.1:6881", "10.0.0.2:80", "[::1]:6882"], response.Peers.Select(p => p.ToString()));
        Assert.Equal(TimeSpan.FromSeconds(1800), response.Interval);
        Assert.Equal(TimeSpan.FromSeconds(60), response.MinInterval);
        Assert.Equal(5, response.Seeders);
        Assert.Equal(3, response.Leechers);
        Assert.Equal("abc", response.TrackerId);
        Assert.Equal("slow", response.Warning);
    }

    [Fact]
    public void Dictionary_peer_lists_are_read()
    {
        var response = TrackerResponse.ParseAnnounce(TestData.Bytes("d8:intervali60e5:peersld2:ip9:127.0.0.17:peer id20:aaaaaaaaaaaaaaaaaaaa4:porti7000eed2:ip3:bad4:porti1eeee"));
        Assert.Equal(["127.0.0.1:7000"], response.Peers.Select(p => p.ToString()));
    }

    [Theory]
    [InlineData("d14:failure reason9:not founde", "tracker failure: not found")]
    [InlineData("d5:peers0:e", "no 'interval'")]
    [InlineData("d8:intervali60e5:peers5:abcdee", "not a multiple of 6")]
    [InlineData("le", "not a dictionary")]
    [InlineData("d8:interval", "not valid bencode")]
    public void Bad_announce_replies_are_tracker_errors(string body, string message)
    {
        var e = Assert.Throws<TrackerException>(() => TrackerResponse.ParseAnnounce(TestData.Bytes(body)));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Scrape_reply_finds_the_hash()
    {
        var hash = Enumerable.Repeat((byte)'a', 20).ToArray();
        var body = TestData.Bytes("d5:filesd20:aaaaaaaaaaaaaaaaaaaad8:completei4e10:downloadedi9e10:incompletei2eeee");
        Assert.Equal(new ScrapeResult(4, 9, 2), TrackerResponse.ParseScrape(body, hash));
        Assert.Null(TrackerResponse.ParseScrape(body, new byte[20]));
    }

    [Fact]
    public void Udp_announce_packet_has_the_bep15_layout()
    {
        var request = new AnnounceRequest(Enumerable.Range(1, 20).Select(i => (byte)i).ToArray(), new byte[20], 6881, 3, 2, 1, TrackerEvent.Started, 50, 0xDEADBEEF);
        var packet = UdpTrackerPacket.Announce(0x1122334455667788, 99, request);
        Assert.Equal(98, packet.Length);
        Assert.Equal(0x1122334455667788, BinaryPrimitives.ReadInt64BigEndian(packet));
        Assert.Equal(1, BinaryPrimitives.ReadInt32BigEndian(packet.AsSpan(8)));
        Assert.Equal(99, BinaryPrimitives.ReadInt32BigEndian(packet.AsSpan(12)));
        Assert.Equal(1, packet[16]);
        Assert.Equal(2, BinaryPrimitives.ReadInt64BigEndian(packet.AsSpan(56)));
        Assert.Equal(1, BinaryPrimitives.ReadInt64BigEndian(packet.AsSpan(64)));
        Assert.Equal(3, BinaryPrimitives.ReadInt64BigEndian(packet.AsSpan(72)));
        Assert.Equal(2, BinaryPrimitives.ReadInt32BigEndian(packet.AsSpan(80)));
        Assert.Equal(6881, BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(96)));
        var connect = UdpTrackerPacket.Connect(5);
        Assert.Equal(UdpTrackerPacket.ProtocolId, BinaryPrimitives.ReadInt64BigEndian(connect));
    }

    [Fact]
    public void Udp_replies_are_checked()
    {
        var reply = new byte[26];
        BinaryPrimitives.WriteInt32BigEndian(reply, 1);
        BinaryPrimitives.WriteInt32BigEndian(reply.AsSpan(4), 7);
        BinaryPrimitives.WriteInt32BigEndian(reply.AsSpan(8), 900);
        BinaryPrimitives.WriteInt32BigEndian(reply.AsSpan(12), 2);
        BinaryPrimitives.WriteInt32BigEndian(reply.AsSpan(16), 1);
        new byte[] { 127, 0, 0, 1, 0x1A, 0xE1 }.CopyTo(reply, 20);
        Assert.False(UdpTrackerPacket.CheckReply(reply, 1, 8)); // another transaction: ignored
        Assert.True(UdpTrackerPacket.CheckReply(reply, 1, 7));
        var announce = UdpTrackerPacket.ParseAnnounce(reply, ipv6: false);
        Assert.Equal(["127.0.0.1:6881"], announce.Peers.Select(p => p.ToString()));
        Assert.Equal(1, announce.Seeders);
        Assert.Equal(2, announce.Leechers);

        var error = new byte[8 + 5];
        BinaryPrimitives.WriteInt32BigEndian(error, 3);
        BinaryPrimitives.WriteInt32BigEndian(error.AsSpan(4), 7);
        "nope!"u8.CopyTo(error.AsSpan(8));
        Assert.Contains("nope!", Assert.Throws<TrackerException>(() => UdpTrackerPacket.CheckReply(error, 1, 7)).Message);
        Assert.Throws<TrackerException>(() => UdpTrackerPacket.CheckReply(new byte[4], 1, 7));
        Assert.Throws<TrackerException>(() => UdpTrackerPacket.ParseAnnounce(new byte[12], false));
    }

    [Fact]
    public void Random_bytes_give_only_tracker_errors()
    {
        Prop.ForAll<byte[]>(bytes =>
        {
            try
            {
                TrackerResponse.ParseAnnounce(bytes);
            }
            catch (TrackerException)
            {
            }
            try
            {
                if (UdpTrackerPacket.CheckReply(bytes, 1, bytes.Length >= 8 ? BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4)) : 0))
                    UdpTrackerPacket.ParseAnnounce(bytes, bytes.Length % 2 == 0);
            }
            catch (TrackerException)
            {
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(2000));
    }
}

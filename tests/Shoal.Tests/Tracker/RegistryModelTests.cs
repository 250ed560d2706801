using System.Net;
using System.Net.Sockets;
using Shoal.Tests.Common;
using Shoal.Tracker;

namespace Shoal.Tests.Tracker;

/// <summary>The value-typed registry against a plain model, and the small values it is built from.</summary>
public class RegistryModelTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Random_announces_stops_and_expiry_agree_with_a_model(int seed)
    {
        var clock = new ManualClock();
        SwarmStoreContract.RandomAnnouncesAgreeWithAModel(new SwarmRegistry(clock, TimeSpan.FromMinutes(10)), clock, seed);
    }

    [Fact]
    public void Peers_of_the_announcers_site_come_first_in_small_and_large_swarms() =>
        SwarmStoreContract.OwnSiteFirst(sites => new SwarmRegistry(sites: sites));

    [Fact]
    public void Seeds_are_not_sent_to_seeds_and_numwant_is_honoured() =>
        SwarmStoreContract.SeedsGetNoSeedsAndNumwantIsHonoured(new SwarmRegistry());

    [Fact]
    public void Reported_traffic_is_counted_once_per_announce() =>
        SwarmStoreContract.TrafficDeltas(new SwarmRegistry());

    [Fact]
    public void SipHash_matches_the_reference_vector()
    {
        // From the SipHash paper (Aumasson and Bernstein), appendix A: key 00..0f, message 00..0e.
        var key = System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(Enumerable.Range(0, 16).Select(i => (byte)i).ToArray());
        Assert.Equal(0xa129ca6149be45e5UL, ConnectionIds.SipHash24(key, Enumerable.Range(0, 15).Select(i => (byte)i).ToArray()));
    }

    [Theory]
    [InlineData("10.1.2.3", 6881, true, "0a010203 1ae1")]
    [InlineData("2001:db8::7", 443, false, "20010db8000000000000000000000007 01bb")]
    [InlineData("::ffff:10.1.2.3", 1, true, "0a010203 0001")]
    public void An_endpoint_round_trips_through_compact_bytes_and_socket_addresses(string ip, int port, bool v4, string compactHex)
    {
        var endpoint = PeerEndpoint.From(IPAddress.Parse(ip), port);
        Assert.Equal(v4, endpoint.IsV4);
        var compact = new byte[18];
        int n = endpoint.WriteCompact(compact);
        Assert.Equal(compactHex.Replace(" ", ""), Convert.ToHexStringLower(compact, 0, n));
        var address = IPAddress.Parse(ip);
        var socketAddress = new IPEndPoint(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address, port).Serialize();
        Assert.True(PeerEndpoint.TryFrom(socketAddress, out var fromSocket));
        Assert.Equal(endpoint, fromSocket);
        Assert.True(PeerEndpoint.TryFromSockaddr(socketAddress.Buffer.Span[..socketAddress.Size], out var fromRaw));
        Assert.Equal(endpoint, fromRaw);
        Assert.False(PeerEndpoint.TryFromSockaddr(new byte[1], out _));
        Assert.False(PeerEndpoint.TryFromSockaddr(new SocketAddress(AddressFamily.Unix, 16).Buffer.Span, out _));
    }
}

public class CompactReplyTests
{
    [Theory]
    [InlineData(0, 0)]
    [InlineData(3, 0)]
    [InlineData(2, 2)]
    [InlineData(0, 4)]
    public void The_direct_compact_writer_matches_the_dictionary_encoding(int v4, int v6)
    {
        var peers = Enumerable.Range(0, v4).Select(i => PeerEndpoint.From(IPAddress.Parse($"10.0.0.{i + 1}"), 6000 + i))
            .Concat(Enumerable.Range(0, v6).Select(i => PeerEndpoint.From(IPAddress.Parse($"2001:db8::{i + 1}"), 7000 + i)))
            .Select(e => new SampledPeer(e, default, false, 0)).ToArray();
        var counts = new AnnounceCounts(7, 12345, 3, peers.Length);
        var announce = TrackerAnnounce.Of(InfoHashKey.From(new byte[20]), IPAddress.Loopback, 1, 5);
        var expected = TrackerResponses.Announce(new AnnounceResult(7, 12345, 3, peers), announce, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(1));
        var buffer = new byte[TrackerResponses.MaxCompactAnnounce];
        int n = TrackerResponses.AnnounceCompact(buffer, counts, peers, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(1));
        Assert.Equal(System.Text.Encoding.Latin1.GetString(expected), System.Text.Encoding.Latin1.GetString(buffer, 0, n));
    }
}

public class PrivateUdpTests
{
    [Fact]
    public void A_udp_key_gets_peers_only_of_torrents_granted_to_it()
    {
        using var users = new UserStore(Path.Combine(TestData.TempDir(), "users.db"));
        string alice = users.Add("alice");
        byte[] granted = Enumerable.Repeat((byte)1, 20).ToArray(), other = Enumerable.Repeat((byte)2, 20).ToArray();
        Assert.Equal(1, users.Grant("alice", [InfoHashKey.From(granted)]));
        Assert.Throws<ArgumentException>(() => users.Grant("nobody", [InfoHashKey.From(granted)]));
        var udp = new UdpTrackerProtocol(new SwarmRegistry(), new ConnectionIds(), _ => true, TimeSpan.FromMinutes(30), new TrackerStats(), users);
        var client = new IPEndPoint(IPAddress.Loopback, 5000);
        var reply = new byte[1500];
        Assert.Equal(16, udp.Handle(Shoal.Trackers.UdpTrackerPacket.Connect(1), client, reply));
        long id = System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(reply.AsSpan(8));

        int Announce(byte[] hash, string path)
        {
            var request = new Shoal.Trackers.AnnounceRequest(hash, "-XX0001-abcdefghijkl"u8.ToArray(), 7000, 0, 0, 5, Shoal.Trackers.TrackerEvent.Started, 10, 1);
            byte[] packet = [.. Shoal.Trackers.UdpTrackerPacket.Announce(id, 3, request), 2, (byte)path.Length, .. System.Text.Encoding.ASCII.GetBytes(path)];
            return udp.Handle(packet, client, reply);
        }
        Assert.Equal(1, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(reply.AsSpan(0, Announce(granted, "/announce/" + alice))));
        int n = Announce(other, "/announce/" + alice);
        Assert.Equal(3, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(reply));
        Assert.Equal(UserStore.NotGranted, System.Text.Encoding.UTF8.GetString(reply, 8, n - 8));
        n = Announce(granted, "/announce/" + new string('0', 32));
        Assert.Equal("unknown passkey", System.Text.Encoding.UTF8.GetString(reply, 8, n - 8));
    }
}

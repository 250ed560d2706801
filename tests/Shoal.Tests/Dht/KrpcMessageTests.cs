using System.Net;
using System.Text;
using Shoal.Dht;

namespace Shoal.Tests.Dht;

public class KrpcMessageTests
{
    private static readonly NodeId Alice = new("abcdefghij0123456789"u8);
    private static readonly NodeId Hash = new("mnopqrstuvwxyz123456"u8);

    [Fact]
    public void The_ping_and_get_peers_queries_of_BEP_5_encode_byte_for_byte_as_the_spec_shows()
    {
        var ping = KrpcMessage.Query("aa"u8.ToArray(), "ping", Alice);
        Assert.Equal("d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe", Encoding.ASCII.GetString(ping.Encode()));
        var getPeers = KrpcMessage.Query("aa"u8.ToArray(), "get_peers", Alice) with { InfoHash = Hash };
        Assert.Equal("d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz123456e1:q9:get_peers1:t2:aa1:y1:qe",
            Encoding.ASCII.GetString(getPeers.Encode()));
        var error = KrpcMessage.Error("aa"u8.ToArray(), 201, "A Generic Error Ocurred");
        Assert.Equal("d1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee", Encoding.ASCII.GetString(error.Encode()));
    }

    [Fact]
    public void A_response_with_nodes_values_token_samples_and_our_address_round_trips()
    {
        var response = KrpcMessage.Response([1, 2], Alice) with
        {
            Token = [9, 9, 9],
            Nodes = [new DhtNode(Hash, new IPEndPoint(IPAddress.Parse("127.0.0.5"), 6881))],
            Nodes6 = [new DhtNode(Alice, new IPEndPoint(IPAddress.IPv6Loopback, 6882))],
            Values = [new IPEndPoint(IPAddress.Parse("10.1.2.3"), 51413), new IPEndPoint(IPAddress.Parse("::1"), 1)],
            Samples = [Hash, Alice],
            Interval = 60,
            Num = 2,
            ExternalIp = new IPEndPoint(IPAddress.Parse("192.0.2.7"), 4000),
        };
        var parsed = KrpcMessage.Parse(response.Encode());
        Assert.Equal(KrpcKind.Response, parsed.Kind);
        Assert.Equal(Alice, parsed.Id);
        Assert.Equal(response.Token, parsed.Token);
        Assert.Equal(response.Nodes, parsed.Nodes);
        Assert.Equal(response.Nodes6, parsed.Nodes6);
        Assert.Equal(response.Values, parsed.Values);
        Assert.Equal(response.Samples, parsed.Samples);
        Assert.Equal((60, 2), (parsed.Interval, parsed.Num));
        Assert.Equal(response.ExternalIp, parsed.ExternalIp);
    }

    [Theory]
    [InlineData("le")]
    [InlineData("d1:y1:qe")]                                          // no transaction
    [InlineData("d1:t2:aa1:y1:xe")]                                   // unknown type
    [InlineData("d1:t2:aa1:y1:q1:q4:pinge")]                           // query without arguments
    [InlineData("d1:ad2:id3:abce1:q4:ping1:t2:aa1:y1:qe")]             // short id
    [InlineData("d1:rd2:id20:abcdefghij01234567895:nodes5:abcdee1:t2:aa1:y1:re")] // nodes not whole entries
    [InlineData("d1:rd2:id20:abcdefghij01234567896:valuesli5ee1:t2:aa1:y1:re")]   // a value that is not an address
    [InlineData("d1:eli201ee1:t2:aa1:y1:ee")]                          // error without text
    public void Malformed_packets_are_refused(string packet) =>
        Assert.Throws<FormatException>(() => KrpcMessage.Parse(Encoding.ASCII.GetBytes(packet)));

    [Fact]
    public void Huge_lists_are_cut_to_their_bounds_and_huge_packets_refused()
    {
        var many = KrpcMessage.Response([1], Alice) with
        {
            Values = [.. Enumerable.Range(1, 1200).Select(i => new IPEndPoint(IPAddress.Loopback, i))],
        };
        var bytes = many.Encode();
        Assert.Throws<FormatException>(() => KrpcMessage.Parse(bytes)); // over the packet size
        var fewer = many with { Values = [.. many.Values.Take(KrpcMessage.MaxValues + 50)] };
        Assert.Equal(KrpcMessage.MaxValues, KrpcMessage.Parse(fewer.Encode()).Values.Count);
    }
}

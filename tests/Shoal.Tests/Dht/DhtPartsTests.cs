using System.Net;
using Microsoft.Extensions.Time.Testing;
using Shoal.Dht;

namespace Shoal.Tests.Dht;

/// <summary>The DHT's pure parts: BEP 42 ids, write tokens, the announced-peer store, the rate limit.</summary>
public class DhtPartsTests
{
    [Theory]
    // BEP 42's examples: the address, the random byte (the id's last), and the id's first three bytes (the last three bits are free).
    [InlineData("124.31.75.21", 1, "5fbfb8")]
    [InlineData("21.75.31.124", 86, "5a3ce8")]
    [InlineData("65.23.51.170", 22, "a5d430")]
    [InlineData("84.124.73.14", 65, "1b0320")]
    [InlineData("43.213.53.83", 90, "e56f68")]
    public void Ids_from_bep_42s_examples_are_valid_for_their_address_and_not_for_another(string ip, int rand, string prefix)
    {
        var bytes = new byte[20];
        Convert.FromHexString(prefix).CopyTo(bytes, 0);
        bytes[2] |= 0x05; // the free bits do not matter
        bytes[19] = (byte)rand;
        var id = new NodeId(bytes);
        Assert.True(NodeIdSecurity.IsValid(id, IPAddress.Parse(ip)));
        Assert.False(NodeIdSecurity.IsValid(id, IPAddress.Parse("203.0.113.9")));

        var generated = NodeIdSecurity.Generate(IPAddress.Parse(ip), new Random(rand));
        Assert.True(NodeIdSecurity.IsValid(generated, IPAddress.Parse(ip)));
    }

    [Fact]
    public void Local_addresses_may_use_any_id()
    {
        var id = NodeId.Random(new Random(3));
        foreach (var local in new[] { "127.0.0.1", "10.1.2.3", "192.168.1.1", "172.20.0.1", "169.254.9.9", "::1", "fe80::1", "fd00::5" })
            Assert.True(NodeIdSecurity.IsValid(id, IPAddress.Parse(local)), local);
    }

    [Fact]
    public void A_token_works_for_its_address_only_and_for_between_one_and_two_rotations()
    {
        var time = new FakeTimeProvider();
        var tokens = new DhtTokens(time);
        var alice = IPAddress.Parse("198.51.100.1");
        var token = tokens.Issue(alice);
        Assert.True(tokens.IsValid(token, alice));
        Assert.False(tokens.IsValid(token, IPAddress.Parse("198.51.100.2")));
        Assert.False(tokens.IsValid(null, alice));

        time.Advance(DhtTokens.Rotation);
        Assert.True(tokens.IsValid(token, alice)); // the previous secret
        time.Advance(DhtTokens.Rotation);
        Assert.False(tokens.IsValid(token, alice)); // two rotations on
        // A long silence does not keep an old secret alive either.
        var late = tokens.Issue(alice);
        time.Advance(DhtTokens.Rotation * 5);
        Assert.False(tokens.IsValid(late, alice));
    }

    [Fact]
    public void Announced_peers_expire_and_the_store_stays_within_its_bounds()
    {
        var time = new FakeTimeProvider();
        var store = new DhtPeerStore(time);
        var random = new Random(1);
        var hash = NodeId.Random(random);
        for (int i = 0; i < DhtPeerStore.MaxPeersPerHash + 50; i++)
            store.Add(hash, new IPEndPoint(IPAddress.Parse("198.51.100.7"), 1000 + i));
        Assert.Equal(DhtPeerStore.MaxPeersPerHash, store.Get(hash, System.Net.Sockets.AddressFamily.InterNetwork, 10_000, random).Count);
        Assert.Equal(50, store.Get(hash, System.Net.Sockets.AddressFamily.InterNetwork, 50, random).Count);
        Assert.Empty(store.Get(hash, System.Net.Sockets.AddressFamily.InterNetworkV6, 50, random));

        for (int i = 0; i < DhtPeerStore.MaxHashes + 10; i++)
            store.Add(NodeId.Random(random), new IPEndPoint(IPAddress.Loopback, 1));
        Assert.Equal(DhtPeerStore.MaxHashes, store.HashCount);

        time.Advance(DhtPeerStore.Lifetime);
        store.Expire();
        Assert.Equal(0, store.HashCount);
        Assert.Empty(store.Get(hash, System.Net.Sockets.AddressFamily.InterNetwork, 50, random));
    }

    [Fact]
    public void The_rate_limit_tracks_a_bounded_number_of_sources_and_refills_with_time()
    {
        var time = new FakeTimeProvider();
        var limit = new SourceRateLimit(time, perSource: 5, total: 1_000_000);
        var one = IPAddress.Parse("198.51.100.1");
        Assert.Equal(10, Enumerable.Range(0, 50).Count(_ => limit.TryTake(one)));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(5, Enumerable.Range(0, 50).Count(_ => limit.TryTake(one)));

        // Many sources: the table never grows past its bound.
        for (int i = 0; i < SourceRateLimit.MaxSources + 5_000; i++)
            limit.TryTake(new IPAddress(BitConverter.GetBytes(i + 1)));
        Assert.True(limit.SourceCount <= SourceRateLimit.MaxSources, $"{limit.SourceCount} sources");
    }

    [Fact]
    public void Our_public_address_counts_once_five_different_nodes_name_it_and_local_ones_never()
    {
        var votes = new ExternalAddressVotes();
        var seen = IPAddress.Parse("198.51.100.7");
        for (int i = 1; i <= 10; i++)
            Assert.False(votes.Vote(IPAddress.Parse("203.0.113.1"), seen)); // one node saying it ten times
        Assert.False(votes.Vote(IPAddress.Parse("203.0.113.2"), IPAddress.Parse("10.0.0.5"))); // local: no vote
        for (int i = 2; i <= 4; i++)
            Assert.False(votes.Vote(IPAddress.Parse($"203.0.113.{i}"), seen));
        Assert.True(votes.Vote(IPAddress.Parse("203.0.113.5"), seen));
        Assert.Equal(seen, votes.Agreed);
        Assert.False(votes.Vote(IPAddress.Parse("203.0.113.6"), seen)); // already agreed
    }
}

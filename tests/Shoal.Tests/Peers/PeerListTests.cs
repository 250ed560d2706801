using System.Net;
using Microsoft.Extensions.Time.Testing;
using Shoal.Peers;

namespace Shoal.Tests.Peers;

public class PeerListTests
{
    private readonly FakeTimeProvider _time = new();

    private static IPEndPoint Ep(int i) => new(new IPAddress([10, 0, (byte)(i >> 8), (byte)i]), 6881);

    [Fact]
    public void Canonical_priority_matches_the_bep_40_examples()
    {
        Assert.Equal(0xec2d7224u, CanonicalPeerPriority.Compute(new(IPAddress.Parse("123.213.32.10"), 1), new(IPAddress.Parse("98.76.54.32"), 2)));
        Assert.Equal(0x99568189u, CanonicalPeerPriority.Compute(new(IPAddress.Parse("123.213.32.10"), 1), new(IPAddress.Parse("123.213.32.234"), 2)));
        // Symmetric: both ends agree.
        Assert.Equal(CanonicalPeerPriority.Compute(new(IPAddress.Parse("98.76.54.32"), 2), new(IPAddress.Parse("123.213.32.10"), 1)),
            CanonicalPeerPriority.Compute(new(IPAddress.Parse("123.213.32.10"), 1), new(IPAddress.Parse("98.76.54.32"), 2)));
        // Same address: the ports decide, in either order.
        Assert.Equal(CanonicalPeerPriority.Compute(new(IPAddress.Loopback, 7000), new(IPAddress.Loopback, 6000)),
            CanonicalPeerPriority.Compute(new(IPAddress.Loopback, 6000), new(IPAddress.Loopback, 7000)));
    }

    [Fact]
    public void Addresses_are_dialled_best_ranked_first_and_marked_in_use()
    {
        var list = new PeerList(_time, ep => ep.Address.GetAddressBytes()[3]);
        for (int i = 1; i <= 10; i++)
            list.Add(Ep(i), PeerSources.Tracker);

        var first = list.TakeDialable(3);
        Assert.Equal([Ep(10), Ep(9), Ep(8)], first);
        Assert.Equal([Ep(7), Ep(6)], list.TakeDialable(2)); // the first three are in use
    }

    [Fact]
    public void A_peer_found_on_the_local_network_is_dialled_before_better_ranked_others()
    {
        var list = new PeerList(_time, ep => ep.Address.GetAddressBytes()[3]);
        for (int i = 1; i <= 10; i++)
            list.Add(Ep(i), PeerSources.Tracker);
        list.Add(Ep(2), PeerSources.Lsd, PeerTraits.Local); // known from the tracker, then heard on the LAN
        list.Add(Ep(11), PeerSources.Lsd, PeerTraits.Local);
        Assert.Equal([Ep(11), Ep(2), Ep(10)], list.TakeDialable(3));
    }

    [Fact]
    public void A_failed_address_backs_off_and_is_dropped_after_repeated_failures()
    {
        var list = new PeerList(_time, _ => 0);
        list.Add(Ep(1), PeerSources.Tracker);
        list.Add(Ep(2), PeerSources.Manual);
        for (int failure = 1; failure <= PeerList.MaxFailures; failure++)
        {
            var dial = list.TakeDialable(10);
            Assert.Equal(2, dial.Count);
            list.Failed(Ep(1));
            list.Failed(Ep(2));
            Assert.Empty(list.TakeDialable(10)); // backing off
            _time.Advance(TimeSpan.FromMinutes(5));
        }
        Assert.Null(list.Find(Ep(1)));
        Assert.NotNull(list.Find(Ep(2))); // a user's address stays
    }

    [Fact]
    public void The_list_is_bounded_and_evicts_failed_then_low_ranked_idle_entries()
    {
        var list = new PeerList(_time, ep => ep.Address.GetAddressBytes()[3], capacity: 5);
        for (int i = 10; i < 15; i++)
            list.Add(Ep(i), PeerSources.Tracker);
        list.TakeDialable(1); // Ep(14) in use
        list.Failed(Ep(14));  // and failed once
        Assert.True(list.Add(Ep(100), PeerSources.Dht));
        Assert.Null(list.Find(Ep(14))); // the failed one went first
        Assert.True(list.Add(Ep(101), PeerSources.Dht));
        Assert.Null(list.Find(Ep(10))); // then the lowest ranked
        Assert.False(list.Add(Ep(1), PeerSources.Pex)); // ranked below everything kept: refused
        Assert.Equal(5, list.Count);
        for (int i = 0; i < 10_000; i++)
            list.Add(new IPEndPoint(new IPAddress(BitConverter.GetBytes(i + 1_000_000)), 1000 + i % 1000), PeerSources.Dht);
        Assert.Equal(5, list.Count);
    }

    [Fact]
    public void Sources_and_traits_accumulate_and_banned_or_self_addresses_are_never_dialled()
    {
        var list = new PeerList(_time, _ => 0);
        list.Add(Ep(1), PeerSources.Tracker);
        list.Add(Ep(1), PeerSources.Pex, PeerTraits.Seed);
        list.Add(Ep(2), PeerSources.Lsd);
        list.Add(Ep(3), PeerSources.Dht);
        var known = list.Find(Ep(1))!;
        Assert.Equal(PeerSources.Tracker | PeerSources.Pex, known.Sources);
        Assert.Equal(PeerTraits.Seed, known.Traits);
        list.Ban(Ep(2));
        Assert.Equal([Ep(1)], list.TakeDialable(10, isSelf: ep => ep.Equals(Ep(3))));
        Assert.True(list.Find(Ep(3))!.Self);
    }

    [Fact]
    public void Known_seeds_are_left_out_when_we_seed_too()
    {
        var list = new PeerList(_time, _ => 0);
        list.Add(Ep(1), PeerSources.Tracker);
        list.Add(Ep(2), PeerSources.Tracker);
        list.AddTraits(Ep(2), PeerTraits.Seed);
        Assert.Equal([Ep(1)], list.TakeDialable(10, skipSeeds: true));
        Assert.Equal([Ep(2)], list.TakeDialable(10));
    }

    [Fact]
    public void Mapped_ipv4_addresses_are_one_entry_with_their_plain_form()
    {
        var list = new PeerList(_time, _ => 0);
        list.Add(new IPEndPoint(IPAddress.Parse("::ffff:10.0.0.1"), 6881), PeerSources.Tracker);
        list.Add(new IPEndPoint(IPAddress.Parse("10.0.0.1"), 6881), PeerSources.Dht);
        Assert.Equal(1, list.Count);
    }

    [Fact]
    public async Task The_client_ranking_hook_can_put_a_site_first_and_keeps_bep_40_within_it()
    {
        await using var client = new ShoalClient(new ShoalClientOptions
        {
            ListenAddresses = [IPAddress.Loopback],
            PeerRanking = (peer, canonical) => (peer.Address.GetAddressBytes()[1] == 1 ? 1L << 32 : 0) + canonical,
        });
        var local = new IPEndPoint(IPAddress.Parse("10.1.2.3"), 6881);
        var remote = new IPEndPoint(IPAddress.Parse("10.2.2.3"), 6881);
        Assert.True(client.RankPeer(local) > client.RankPeer(remote));
        Assert.True(client.RankPeer(local) >= 1L << 32);
        var list = new PeerList(_time, client.RankPeer);
        list.Add(remote, PeerSources.Tracker);
        list.Add(local, PeerSources.Tracker);
        Assert.Equal([local, remote], list.TakeDialable(2));
    }
}

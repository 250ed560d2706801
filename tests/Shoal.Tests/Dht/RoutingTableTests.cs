using System.Net;
using Microsoft.Extensions.Time.Testing;
using Shoal.Dht;

namespace Shoal.Tests.Dht;

public class RoutingTableTests
{
    private static readonly NodeId Own = new(new byte[20]);

    /// <summary>An id sharing exactly <paramref name="prefix"/> leading bits with <see cref="Own"/> (all zero), then <paramref name="tail"/>.</summary>
    private static NodeId At(int prefix, byte tail)
    {
        var bytes = new byte[20];
        bytes[prefix / 8] |= (byte)(0x80 >> (prefix % 8));
        bytes[19] ^= tail;
        if (prefix / 8 == 19)
            bytes[19] = (byte)((0x80 >> (prefix % 8)) | (tail & ((0x80 >> (prefix % 8)) - 1)));
        return new NodeId(bytes);
    }

    private static DhtNode Node(NodeId id, int port = 1) => new(id, new IPEndPoint(IPAddress.Loopback, port));

    [Fact]
    public void The_bucket_around_our_id_splits_and_a_far_bucket_fills_to_k_then_keeps_replacements()
    {
        var time = new FakeTimeProvider();
        var table = new RoutingTable(Own, time);
        for (byte i = 0; i < 8; i++)
            Assert.Null(table.Seen(Node(At(0, i)), responded: true)); // the far half: first bit differs
        Assert.Equal(8, table.Count);
        for (byte i = 0; i < 8; i++)
            table.Seen(Node(At(5, i)), responded: true); // our half: the table splits to hold them
        Assert.Equal(16, table.Count);
        Assert.True(table.BucketCount >= 2);

        // The far bucket is full and cannot split: a ninth node waits as a replacement; all are good, so nothing to ping.
        Assert.Null(table.Seen(Node(At(0, 100)), responded: true));
        Assert.Equal(16, table.Count);
        Assert.Null(table.Find(At(0, 100)));

        // Quiet for 15 minutes: the oldest node becomes questionable and is offered for a ping.
        time.Advance(TimeSpan.FromMinutes(16));
        var ping = table.Seen(Node(At(0, 101)), responded: true);
        Assert.NotNull(ping);
        Assert.Equal(0, ping.Value.Id.CommonPrefix(Own));
        // It fails twice: bad, replaced by the freshest replacement.
        table.Failed(ping.Value.Id);
        Assert.NotNull(table.Find(ping.Value.Id));
        table.Failed(ping.Value.Id);
        Assert.Null(table.Find(ping.Value.Id));
        Assert.NotNull(table.Find(At(0, 101)));
    }

    [Fact]
    public void A_stranger_that_only_queried_is_offered_for_a_ping_and_joins_once_it_answers()
    {
        var table = new RoutingTable(Own, new FakeTimeProvider());
        var stranger = Node(At(3, 1));
        Assert.Equal(stranger, table.Seen(stranger, responded: false));
        Assert.Equal(0, table.Count);
        table.Seen(stranger, responded: true);
        Assert.Equal(NodeLiveness.Good, table.Liveness(table.Find(stranger.Id)!));
        Assert.Null(table.Seen(Node(Own), responded: true)); // never ourselves
        Assert.Equal(1, table.Count);
    }

    [Fact]
    public void Closest_orders_by_xor_distance_and_leaves_out_bad_nodes()
    {
        var table = new RoutingTable(Own, new FakeTimeProvider());
        var random = new Random(5);
        var ids = Enumerable.Range(0, 60).Select(_ => NodeId.Random(random)).ToList();
        foreach (var id in ids)
            table.Seen(Node(id), responded: true);
        var target = NodeId.Random(random);
        var closest = table.Closest(target, 8);
        Assert.Equal(8, closest.Count);
        var all = table.All().Select(n => n.Id).OrderBy(id => id.Xor(target)).Take(8).ToList();
        Assert.Equal(all, closest.Select(n => n.Id));
        table.Failed(closest[0].Id);
        table.Failed(closest[0].Id);
        Assert.DoesNotContain(closest[0].Id, table.Closest(target, 8).Select(n => n.Id));
    }

    [Fact]
    public void Buckets_unchanged_for_15_minutes_ask_for_a_refresh_with_an_id_in_their_range()
    {
        var time = new FakeTimeProvider();
        var table = new RoutingTable(Own, time);
        for (byte i = 0; i < 8; i++)
            table.Seen(Node(At(0, i)), responded: true);
        table.Seen(Node(At(4, 1)), responded: true); // splits
        Assert.Empty(table.StaleTargets(TimeSpan.FromMinutes(15), new Random(1)));
        time.Advance(TimeSpan.FromMinutes(16));
        var targets = table.StaleTargets(TimeSpan.FromMinutes(15), new Random(1));
        Assert.Equal(table.BucketCount, targets.Count);
        Assert.Equal(0, targets[0].CommonPrefix(Own));
    }
}

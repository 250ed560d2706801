using System.Net;
using Shoal.Supervision;

namespace Shoal.Tests.Engine;

/// <summary>Code that is not the engine's never runs under a torrent's lock, and the check the tests run with would say so.</summary>
public class LockRuleTests
{
    [Fact]
    public async Task The_check_throws_for_user_code_called_under_a_torrents_lock_and_not_outside_it()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 10_000)]);
        var client = await h.ClientAsync();
        var session = client.Add(torrent, seedDir);
        Assert.True(LockRule.Checked); // on for the whole test run (tests/Common/LockRuleCheck.cs)
        LockRule.UserCode(client, "a callback");
        lock (session.Gate)
        {
            var e = Assert.Throws<InvalidOperationException>(() => LockRule.UserCode(client, "a callback"));
            Assert.Contains("a callback was called under the lock of torrent data.bin", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_users_peer_ranking_runs_outside_the_lock_for_every_address_and_sets_its_rank()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 200_000)]);
        var seeder = await h.ClientAsync();
        await seeder.Add(torrent, seedDir).StartAsync();
        var seedAt = EngineHarness.EndPoint(seeder);
        int calls = 0, underLock = 0;
        TorrentSession? leech = null;
        var leecher = await h.ClientAsync(o => o with
        {
            PeerRanking = (peer, canonical) =>
            {
                Interlocked.Increment(ref calls);
                if (leech?.Gate.IsHeldByCurrentThread == true)
                    Interlocked.Increment(ref underLock);
                return peer.Equals(seedAt) ? long.MaxValue / 4 : 0; // the seed first, whatever BEP 40 says
            },
        });
        // Addresses that answer nothing, ranked below the seed.
        var nowhere = Enumerable.Range(0, 20).Select(i => new IPEndPoint(IPAddress.Loopback, 1 + i)).ToList();
        leech = leecher.Add(torrent, h.NewDir(), new TorrentOptions { Peers = [.. nowhere, seedAt] });
        await leech.StartAsync();
        await EngineHarness.WaitCompleteAsync(leech, 30);
        Assert.True(calls >= 21, $"ranked {calls} addresses");
        Assert.Equal(0, underLock);
        long site = leecher.Sites.IsLocal(IPAddress.Loopback) ? Shoal.Peers.PeerList.LocalBoost : 0; // loopback is our own site
        lock (leech.Gate)
        {
            Assert.Equal(long.MaxValue / 4 + site, leech.Peers.Find(seedAt)!.BaseRank);
            Assert.All(nowhere, n => Assert.Equal(site, leech.Peers.Find(n)?.BaseRank ?? site));
        }
    }
}

using Microsoft.Extensions.Time.Testing;
using Shoal.Swarm;
using Shoal.Wire;

namespace Shoal.Tests.Swarm;

public class SiteShareTests
{
    private const int Pieces = 600;
    private readonly FakeTimeProvider _time = new();

    private static ulong Key(int member) => SiteShare.KeyOf([.. Enumerable.Repeat((byte)member, 20)]);

    /// <summary>What member <paramref name="me"/> of <paramref name="count"/> decides, each seeing the others with nothing yet.</summary>
    private Predicate<int> ViewOf(int me, int count, Func<int, Bitfield>? has = null)
    {
        var share = new SiteShare(Key(me), _time);
        var others = Enumerable.Range(0, count).Where(m => m != me).Select(m => (Key(m), has?.Invoke(m) ?? new Bitfield(Pieces))).ToList();
        return share.Filter(others)!;
    }

    [Fact]
    public void Every_piece_is_fetched_from_afar_by_exactly_one_member_of_the_site_and_the_work_is_spread()
    {
        var views = Enumerable.Range(0, 6).Select(m => ViewOf(m, 6)).ToList();
        var owned = new int[6];
        for (int piece = 0; piece < Pieces; piece++)
        {
            var owners = Enumerable.Range(0, 6).Where(m => views[m](piece)).ToList();
            Assert.Single(owners);
            owned[owners[0]]++;
        }
        Assert.All(owned, count => Assert.InRange(count, Pieces / 12, Pieces / 3));
    }

    [Fact]
    public void In_the_tail_sharing_is_suspended_after_a_second_without_progress_instead_of_four()
    {
        var share = new SiteShare(Key(0), _time);
        var members = Enumerable.Range(1, 5).Select(m => (Key(m), new Bitfield(Pieces))).ToList();
        _time.Advance(SiteShare.TailGrace + TimeSpan.FromMilliseconds(100));
        Assert.NotNull(share.Filter(members)); // not in the tail: the stall grace holds
        share.InTail = true;
        Assert.Null(share.Filter(members)); // in the tail: anything may come from afar
        share.NoteProgress();
        Assert.NotNull(share.Filter(members));
    }

    [Fact]
    public void A_member_that_leaves_hands_on_only_its_own_pieces()
    {
        var before = Enumerable.Range(0, 4).Select(m => ViewOf(m, 4)).ToList();
        var after = Enumerable.Range(0, 3).Select(m => ViewOf(m, 3)).ToList(); // member 3 left
        for (int piece = 0; piece < Pieces; piece++)
        {
            for (int m = 0; m < 3; m++)
            {
                if (before[m](piece))
                    Assert.True(after[m](piece)); // nobody loses a piece it had
            }
        }
    }

    [Fact]
    public void A_piece_a_local_peer_has_is_never_fetched_from_afar()
    {
        var full = new Bitfield(Pieces);
        full.SetAll();
        var view = ViewOf(0, 3, m => m == 1 ? full : new Bitfield(Pieces));
        Assert.DoesNotContain(Enumerable.Range(0, Pieces), piece => view(piece));
    }

    [Fact]
    public void Alone_on_the_site_everything_may_come_from_afar()
    {
        Assert.Null(new SiteShare(Key(0), _time).Filter([]));
    }

    [Fact]
    public void A_site_without_progress_for_the_grace_fetches_freely_until_progress_resumes()
    {
        var share = new SiteShare(Key(0), _time);
        List<(ulong, Bitfield)> others = [(Key(1), new Bitfield(Pieces))];
        Assert.NotNull(share.Filter(others));
        _time.Advance(SiteShare.StallGrace + TimeSpan.FromSeconds(1));
        Assert.Null(share.Filter(others));
        share.NoteProgress();
        Assert.NotNull(share.Filter(others));
    }

    [Fact]
    public void With_peers_of_the_site_still_being_dialled_nothing_comes_from_afar_until_the_grace_passes()
    {
        var share = new SiteShare(Key(0), _time);
        var wait = share.Filter([], dialingLocal: true);
        Assert.NotNull(wait);
        Assert.DoesNotContain(Enumerable.Range(0, Pieces), piece => wait(piece));
        _time.Advance(SiteShare.StallGrace + TimeSpan.FromSeconds(1));
        Assert.Null(share.Filter([], dialingLocal: true));
    }

    [Fact]
    public void Once_the_download_is_under_way_a_dial_to_a_peer_of_the_site_does_not_hold_back_fetches_from_afar()
    {
        var share = new SiteShare(Key(0), _time);
        share.NoteProgress();
        Assert.Null(share.Filter([], dialingLocal: true));
    }

    [Fact]
    public void A_member_whose_pieces_are_not_known_yet_counts_as_having_none_rather_than_failing()
    {
        // A LAN peer met while fetching the metadata still has the metadata phase's empty bitfield
        // when the torrent's content arrives and another peer's interest is worked out.
        var mixed = ViewOf(0, 3, m => m == 1 ? new Bitfield(0) : new Bitfield(Pieces));
        var known = ViewOf(0, 3);
        for (int piece = 0; piece < Pieces; piece++)
            Assert.Equal(known(piece), mixed(piece));
    }

    [Fact]
    public void Peers_of_the_site_expected_from_a_related_torrent_keep_their_shares_before_they_join()
    {
        var share = new SiteShare(Key(0), _time);
        share.Expect(Enumerable.Range(0, 6).Select(Key)); // our own key among them is ignored
        var alone = share.Filter([]);
        var joined = share.Filter([(Key(2), new Bitfield(Pieces))]); // one of them joined: counted once
        var all = ViewOf(0, 6);
        Assert.NotNull(alone);
        Assert.NotNull(joined);
        for (int piece = 0; piece < Pieces; piece++)
        {
            Assert.Equal(all(piece), alone(piece));
            Assert.Equal(all(piece), joined(piece));
        }
    }

    [Fact]
    public void Expected_peers_that_do_not_come_within_the_stall_grace_are_forgotten_for_good()
    {
        var share = new SiteShare(Key(0), _time);
        share.Expect([Key(1), Key(2)]);
        Assert.Equal(2, share.Expected);
        _time.Advance(SiteShare.StallGrace + TimeSpan.FromSeconds(1));
        Assert.Null(share.Filter([]));
        Assert.Equal(0, share.Expected);
        share.NoteProgress();
        Assert.Null(share.Filter([])); // alone again: everything may come from afar
    }
}

using Shoal.Swarm;
using Shoal.Wire;

namespace Shoal.Tests.Swarm;

public class PiecePickerTests
{
    private sealed class Peer;

    private static Bitfield Field(int count, params int[] set)
    {
        var field = new Bitfield(count);
        foreach (int i in set)
            field[i] = true;
        return field;
    }

    private static PiecePicker<Peer> Picker(int pieces, int haveCount = PiecePicker<Peer>.RandomFirstPieces)
    {
        // Past the random-first phase unless asked: mark the last pieces as had.
        var have = new Bitfield(pieces);
        for (int i = 0; i < haveCount; i++)
            have[pieces - 1 - i] = true;
        return new PiecePicker<Peer>(pieces, _ => 32 * 1024, have, new Random(1));
    }

    [Fact]
    public void Missing_wanted_counts_the_wanted_pieces_not_had()
    {
        var picker = Picker(10, haveCount: 7); // pieces 0, 1 and 2 missing
        Assert.Equal(3, picker.MissingWanted);
        picker.SetPriority(2, 0); // not wanted: not missing
        Assert.Equal(2, picker.MissingWanted);
        picker.SetPriority(2, 1);
        picker.SetPriority(9, 0); // had already: no change
        Assert.Equal(3, picker.MissingWanted);
        var requests = new List<BlockRequest>();
        var peer = new Peer();
        picker.Pick(peer, Field(10, 0), 2, requests);
        foreach (var request in requests)
            picker.OnBlock(peer, request.Piece, request.Begin, new byte[request.Length], [], out _);
        picker.Finish(picker.Partial(0)!, verified: true);
        Assert.Equal(2, picker.MissingWanted);
    }

    [Fact]
    public void Rarest_piece_comes_first()
    {
        var picker = Picker(10);
        picker.AddAvailability(Field(10, 0, 1, 2));
        picker.AddAvailability(Field(10, 0, 1));
        picker.AddAvailability(Field(10, 0));
        var output = new List<BlockRequest>();
        picker.Pick(new Peer(), Field(10, 0, 1, 2), 2, output);
        Assert.Equal([new(2, 0, 16384), new(2, 16384, 16384)], output);
    }

    [Fact]
    public void Started_pieces_are_finished_before_new_ones()
    {
        var picker = Picker(10);
        picker.AddAvailability(Field(10, 0, 1, 2, 3));
        var a = new Peer();
        var output = new List<BlockRequest>();
        picker.Pick(a, Field(10, 0, 1, 2, 3), 1, output);
        int started = output[0].Piece;
        output.Clear();
        picker.Pick(new Peer(), Field(10, 0, 1, 2, 3), 1, output);
        Assert.Equal(new BlockRequest(started, 16384, 16384), output[0]);
    }

    [Fact]
    public void Sequential_mode_goes_in_order_and_skipped_pieces_are_never_asked_for()
    {
        var picker = Picker(10);
        picker.Sequential = true;
        picker.SetPriority(0, 0);
        picker.AddAvailability(Field(10, 0, 1, 2, 3, 4, 5));
        var output = new List<BlockRequest>();
        picker.Pick(new Peer(), Field(10, 0, 1, 2, 3, 4, 5), 4, output);
        Assert.Equal([1, 1, 2, 2], output.Select(r => r.Piece));
    }

    [Fact]
    public void Endgame_asks_a_second_peer_for_outstanding_blocks_and_reports_who_to_cancel()
    {
        var picker = Picker(2, haveCount: 1);
        var a = new Peer();
        var b = new Peer();
        var all = Field(2, 0, 1);
        var output = new List<BlockRequest>();
        picker.Pick(a, all, 10, output);
        Assert.Equal(2, output.Count);
        Assert.True(picker.InEndgame());
        output.Clear();
        picker.Pick(b, all, 10, output);
        Assert.Equal(2, output.Count); // the same two blocks, from b too
        var others = new List<Peer>();
        Assert.Equal(BlockResult.Accepted, picker.OnBlock(a, 0, 0, new byte[16384], others, out _));
        Assert.Same(b, Assert.Single(others));
        others.Clear();
        Assert.Equal(BlockResult.Duplicate, picker.OnBlock(b, 0, 0, new byte[16384], others, out _));
        Assert.Equal(BlockResult.PieceComplete, picker.OnBlock(b, 0, 16384, new byte[16384], others, out var done));
        Assert.NotNull(done);
        picker.Finish(done!, verified: true);
        Assert.True(picker.WantedComplete);
    }

    [Fact]
    public void Endgame_asks_no_second_copy_from_a_peer_the_site_share_filters()
    {
        var picker = Picker(2, haveCount: 1);
        var all = Field(2, 0, 1);
        var output = new List<BlockRequest>();
        picker.Pick(new Peer(), all, 10, output);
        Assert.True(picker.InEndgame());
        output.Clear();
        picker.Pick(new Peer(), all, 10, output, accept: _ => true); // a remote peer while the site shares its pieces out
        Assert.Empty(output);
        picker.Pick(new Peer(), all, 10, output); // the share lifted (a stall, the tail) or a peer of our site
        Assert.Equal(2, output.Count);
    }

    [Fact]
    public void Blocks_of_the_wrong_size_or_place_are_unexpected()
    {
        var picker = Picker(8);
        var peer = new Peer();
        var output = new List<BlockRequest>();
        picker.Pick(peer, Field(8, 0), 1, output);
        Assert.Equal(BlockResult.Unexpected, picker.OnBlock(peer, 0, 0, new byte[100], [], out _));
        Assert.Equal(BlockResult.Unexpected, picker.OnBlock(peer, 0, 5, new byte[16384], [], out _));
        Assert.Equal(BlockResult.Unexpected, picker.OnBlock(peer, 1, 0, new byte[16384], [], out _));
    }

    [Fact]
    public void A_released_block_goes_to_another_peer()
    {
        var picker = Picker(8);
        var a = new Peer();
        var output = new List<BlockRequest>();
        picker.Pick(a, Field(8, 0), 1, output);
        picker.Release(a, output[0]);
        var again = new List<BlockRequest>();
        picker.Pick(new Peer(), Field(8, 0), 1, again);
        Assert.Equal(output, again);
    }

    [Fact]
    public void A_peer_on_parole_gets_whole_pieces_of_its_own()
    {
        var picker = Picker(10);
        var honest = new Peer();
        var suspect = new Peer();
        var all = Field(10, 0, 1, 2, 3, 4, 5);
        var output = new List<BlockRequest>();
        picker.Pick(honest, all, 1, output);
        int shared = output[0].Piece;
        output.Clear();
        picker.Pick(suspect, all, 2, output, parole: true);
        Assert.DoesNotContain(output, r => r.Piece == shared);
        Assert.Single(output.Select(r => r.Piece).Distinct());
    }

    [Fact]
    public void A_piece_a_peer_on_parole_had_to_itself_goes_to_others_once_it_rejects_a_block()
    {
        var picker = Picker(10);
        var suspect = new Peer();
        var honest = new Peer();
        var all = Field(10, 0);
        var output = new List<BlockRequest>();
        picker.Pick(suspect, all, 2, output, parole: true);
        picker.Release(suspect, output[1], declined: true);
        var others = new List<BlockRequest>();
        picker.Pick(honest, all, 1, others);
        Assert.Equal([output[1]], others);
    }
}

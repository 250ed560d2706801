using Shoal.Swarm;
using Shoal.Wire;

namespace Shoal.Tests.Swarm;

/// <summary>
/// The picker keeps what it chooses from ready instead of scanning every piece; these runs drive
/// it with random operations (peers come and go, haves, priorities, picks, blocks, releases,
/// hash results) and check after each one against a plain scan of every piece: a new piece is
/// always one of the best the peer could have been given, endgame and the byte counts agree.
/// </summary>
public class PiecePickerModelTests
{
    private sealed class Peer(int pieces)
    {
        public Bitfield Has { get; } = new(pieces);
        public List<BlockRequest> Asked { get; } = [];
    }

    private const int PieceLength = 3 * BlockRequest.BlockSize;

    private static int Size(int piece, int pieces) => piece == pieces - 1 ? BlockRequest.BlockSize + 100 : PieceLength;

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, true)]
    [InlineData(4, true)]
    public void Random_operations_never_leave_the_picker_disagreeing_with_a_scan_of_every_piece(int seed, bool sequential)
    {
        const int pieces = 97;
        var random = new Random(seed);
        var have = new Bitfield(pieces);
        for (int i = 0; i < 10; i++)
            have[random.Next(pieces)] = true;
        var picker = new PiecePicker<Peer>(pieces, p => Size(p, pieces), have, new Random(seed)) { Sequential = sequential };
        var peers = new List<Peer>();
        var priorities = Enumerable.Repeat((byte)1, pieces).ToArray();
        var data = new byte[PieceLength];

        for (int step = 0; step < 3000; step++)
        {
            int op = random.Next(10);
            if (op == 0 || peers.Count == 0)
            {
                var peer = new Peer(pieces);
                for (int i = 0; i < pieces; i++)
                    peer.Has[i] = random.Next(3) > 0;
                peers.Add(peer);
                picker.AddAvailability(peer.Has);
            }
            else if (op == 1 && peers.Count > 1)
            {
                var peer = peers[random.Next(peers.Count)];
                foreach (var request in peer.Asked)
                    picker.Release(peer, request);
                peer.Asked.Clear();
                picker.RemoveAvailability(peer.Has);
                picker.Forget(peer);
                peers.Remove(peer);
            }
            else if (op == 2)
            {
                var peer = peers[random.Next(peers.Count)];
                int piece = random.Next(pieces);
                if (!peer.Has[piece])
                {
                    peer.Has[piece] = true;
                    picker.AddAvailability(piece);
                }
            }
            else if (op == 3)
            {
                int piece = random.Next(pieces);
                priorities[piece] = (byte)random.Next(4);
                picker.SetPriority(piece, priorities[piece]);
            }
            else if (op <= 6)
            {
                var peer = peers[random.Next(peers.Count)];
                var expected = BestNew(picker, peer.Has, pieces, sequential);
                long newest = picker.Partials.Count > 0 ? picker.Partials.Max(p => p.Sequence) : -1;
                var output = new List<BlockRequest>();
                picker.Pick(peer, peer.Has, 1 + random.Next(4), output);
                peer.Asked.AddRange(output);
                var started = picker.Partials.Where(p => p.Sequence > newest).OrderBy(p => p.Sequence).ToList();
                if (started.Count > 0)
                    Assert.Contains(started[0].Index, expected); // the first piece it started is one of the best this peer could get
            }
            else if (op <= 8)
            {
                var peer = peers[random.Next(peers.Count)];
                if (peer.Asked.Count == 0)
                    continue;
                var request = peer.Asked[random.Next(peer.Asked.Count)];
                peer.Asked.Remove(request);
                if (random.Next(3) == 0)
                {
                    picker.Release(peer, request, declined: random.Next(2) == 0);
                    continue;
                }
                picker.OnBlock(peer, request.Piece, request.Begin, data.AsSpan(0, request.Length), [], out var completed);
                if (completed is not null)
                    picker.Finish(completed, verified: random.Next(5) > 0);
            }
            else
            {
                Assert.Equal(Endgame(picker, pieces), picker.InEndgame());
            }
            AssertCounts(picker, pieces);
        }
    }

    /// <summary>By a scan of every piece: the new pieces this peer may be given, the best only.</summary>
    private static HashSet<int> BestNew(PiecePicker<Peer> picker, Bitfield has, int pieces, bool sequential)
    {
        var usable = Enumerable.Range(0, pieces)
            .Where(i => has[i] && !picker.Have[i] && picker.Priority(i) > 0 && picker.Partial(i) is null).ToList();
        if (usable.Count == 0)
            return [];
        int top = usable.Max(i => (int)picker.Priority(i));
        var best = usable.Where(i => picker.Priority(i) == top).ToList();
        if (sequential)
            return [best.Min()];
        if (picker.Have.SetCount < PiecePicker<Peer>.RandomFirstPieces)
            return [.. best];
        int rarest = best.Min(picker.Availability);
        return [.. best.Where(i => picker.Availability(i) == rarest)];
    }

    private static bool Endgame(PiecePicker<Peer> picker, int pieces) =>
        picker.Partials.All(p => p.Requested + p.Received >= p.BlockCount)
        && Enumerable.Range(0, pieces).All(i => picker.Priority(i) == 0 || picker.Have[i] || picker.Partial(i) is not null);

    private static void AssertCounts(PiecePicker<Peer> picker, int pieces)
    {
        var wanted = Enumerable.Range(0, pieces).Where(i => picker.Priority(i) > 0).ToList();
        Assert.Equal(wanted.Sum(i => (long)Size(i, pieces)), picker.WantedBytes);
        Assert.Equal(wanted.Where(i => picker.Have[i]).Sum(i => (long)Size(i, pieces)), picker.VerifiedWantedBytes);
        Assert.Equal(wanted.Where(i => !picker.Have[i] && picker.Availability(i) > 0).Sum(i => (long)Size(i, pieces)), picker.AvailableMissingBytes);
        Assert.Equal(wanted.Count(i => !picker.Have[i]), picker.MissingWanted);
    }
}

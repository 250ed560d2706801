using BenchmarkDotNet.Attributes;
using Shoal.Swarm;
using Shoal.Wire;

namespace Shoal.Benchmarks;

/// <summary>
/// What one request costs the picker as the torrent grows: 50 peers, each with a random 95% of
/// the pieces, ask in turn for a block of one-block pieces (16 KiB, the worst case: every request
/// starts a new piece, chosen rarest first); the block arrives, the piece completes and fails its
/// check (so it is wanted again and the torrent never runs out). Compare the two sizes: the
/// picker's cost per request should not grow with the number of pieces.
/// </summary>
[MemoryDiagnoser]
public class PickerBenchmarks
{
    private const int Peers = 50;
    private const int Requests = 1000;
    private readonly byte[] _block = new byte[BlockRequest.BlockSize];
    private readonly List<BlockRequest> _output = [];
    private readonly List<object> _others = [];
    private PiecePicker<object> _picker = null!;
    private (object Peer, Bitfield Has)[] _peers = [];
    private int _next;

    [Params(1024, 262_144)]
    public int Pieces { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        var have = new Bitfield(Pieces);
        for (int i = 0; i < PiecePicker<object>.RandomFirstPieces; i++)
            have[i] = true; // past the random first pieces: rarest first from here
        _picker = new PiecePicker<object>(Pieces, _ => BlockRequest.BlockSize, have, new Random(2));
        _peers = new (object, Bitfield)[Peers];
        for (int p = 0; p < Peers; p++)
        {
            var has = new Bitfield(Pieces);
            for (int i = 0; i < Pieces; i++)
                has[i] = random.Next(20) != 0;
            _picker.AddAvailability(has);
            _peers[p] = (new object(), has);
        }
    }

    [Benchmark(OperationsPerInvoke = Requests, Description = "request, block, piece done (per request)")]
    public void RequestAndReceive()
    {
        for (int r = 0; r < Requests; r++)
        {
            var (peer, has) = _peers[_next++ % Peers];
            _output.Clear();
            _picker.Pick(peer, has, 1, _output);
            if (_output.Count == 0)
                continue;
            var request = _output[0];
            _others.Clear();
            _picker.OnBlock(peer, request.Piece, request.Begin, _block.AsSpan(0, request.Length), _others, out var completed);
            if (completed is not null)
                _picker.Finish(completed, verified: false);
        }
    }
}

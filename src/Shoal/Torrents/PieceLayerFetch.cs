using System.Buffers.Binary;
using System.Numerics;
using Shoal.Metainfo;
using Shoal.Peers;
using Shoal.Swarm;
using Shoal.Wire;

namespace Shoal;

/// <summary>
/// Fetches the piece layers a v2 (or hybrid) torrent made from BEP 9 metadata lacks: BEP 52 hash
/// requests for runs of up to 512 piece hashes with the proof up to each file's root, a few in
/// flight per peer, a reject or a time-out passing the run to another peer. Every answer is
/// proven against the file's pieces root before it is kept; a peer whose proof fails is dropped.
/// Driven under the torrent's lock by the swarm's tick and the peers' messages.
/// </summary>
internal sealed class PieceLayerFetch
{
    public const int RunLength = 512;
    public const int MaxInFlightPerPeer = 4;
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(10);

    private readonly TimeProvider _time;
    private readonly int _pieceLayer;
    private readonly int _pieceCount;
    private readonly List<Run> _runs = [];
    private readonly Dictionary<string, (TorrentFile File, byte[] Layer)> _layers = [];
    private readonly TaskCompletionSource<Dictionary<string, ReadOnlyMemory<byte>>> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PieceLayerFetch(Torrent torrent, TimeProvider time)
    {
        _time = time;
        _pieceCount = torrent.PieceCount;
        _pieceLayer = BitOperations.Log2((uint)(torrent.PieceLength / MerkleTree.BlockSize));
        foreach (var file in torrent.FilesMissingPieceLayers)
        {
            string root = Convert.ToHexStringLower(file.PiecesRoot.Span);
            if (_layers.ContainsKey(root))
                continue; // identical files share a root
            int count = (int)((file.Length + torrent.PieceLength - 1) / torrent.PieceLength);
            _layers[root] = (file, new byte[count * MerkleTree.HashSize]);
            int length = (int)Math.Min(RunLength, MerkleTree.NextPowerOfTwo(count));
            for (int index = 0; index < count; index += length)
                _runs.Add(new Run(root, file.PiecesRoot.ToArray(), count, index, length));
        }
        if (_runs.Count == 0)
            _done.TrySetResult([]);
    }

    /// <summary>Completes with every fetched layer (by root in hex) once all are proven.</summary>
    public Task<Dictionary<string, ReadOnlyMemory<byte>>> Completed => _done.Task;

    /// <summary>Sends requests for runs nobody is fetching to peers with room; called each tick.</summary>
    public void Pump(IEnumerable<SwarmPeer> peers)
    {
        long now = _time.GetTimestamp();
        foreach (var run in _runs)
        {
            if (run.Peer is not null && _time.GetElapsedTime(run.SentAt, now) > RequestTimeout)
                run.Refuse(now);
            run.Refused.RemoveWhere(r => _time.GetElapsedTime(r.At, now) > RetryAfter);
        }
        var load = peers.Where(p => p.Wire is not null && !p.IsClosed).ToDictionary(p => p, _ => 0);
        foreach (var run in _runs)
        {
            if (run.Peer is { } busy && load.TryGetValue(busy, out int asked))
                load[busy] = asked + 1;
        }
        foreach (var run in _runs)
        {
            if (load.Values.All(n => n >= MaxInFlightPerPeer))
                break; // every peer has its fill
            if (run.Done || run.Peer is not null)
                continue;
            // The least loaded peer with room that has not refused this run lately (none: it waits),
            // a seed first: a peer that has every piece has the layers; one fetching them too has not.
            SwarmPeer? peer = null;
            foreach (var (candidate, asked) in load)
            {
                if (asked < MaxInFlightPerPeer && !run.Refused.Any(r => r.Peer == candidate)
                    && (peer is null || (IsSeed(candidate), -asked).CompareTo((IsSeed(peer), -load[peer])) > 0))
                    peer = candidate;
            }
            if (peer?.Wire is not { } wire)
                continue; // (the load counts wire peers only)
            load[peer]++;
            run.Peer = peer;
            run.SentAt = now;
            wire.SendPayload(MessageId.HashRequest, run.Request(_pieceLayer));
        }
    }

    /// <summary>Whether the peer said it has every piece (have-all, or a full bitfield before the metadata).</summary>
    private bool IsSeed(SwarmPeer peer) =>
        peer.Pending is { } has && (has.All || (has.Bitfield is { } bits && PopCount(bits) >= _pieceCount));

    private static int PopCount(byte[] bits) => bits.Sum(b => BitOperations.PopCount(b));

    /// <summary>A 'hashes' or 'hash reject' message; throws <see cref="PeerProtocolException"/> for a failed proof.</summary>
    public void OnMessage(SwarmPeer peer, MessageId id, ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 48)
            throw new PeerProtocolException($"{id} of {payload.Length} bytes");
        int index = BinaryPrimitives.ReadInt32BigEndian(payload[36..]);
        var root = payload[..32].ToArray();
        var run = _runs.FirstOrDefault(r => r.Peer == peer && r.Index == index && root.AsSpan().SequenceEqual(r.RootBytes));
        if (run is null)
            return; // not ours, or late after a time-out
        if (id == MessageId.HashReject)
        {
            run.Refuse(_time.GetTimestamp());
            return;
        }
        if (BinaryPrimitives.ReadInt32BigEndian(payload[32..]) != _pieceLayer || BinaryPrimitives.ReadInt32BigEndian(payload[40..]) != run.Length)
            throw new PeerProtocolException("hashes for another layer or length than asked");
        var hashes = HashProof.Verify(run.RootBytes, _pieceLayer, run.Count, run.Index, run.Length, payload[48..])
            ?? throw new PeerProtocolException("hashes that do not prove to the file's pieces root");
        hashes.CopyTo(_layers[run.Root].Layer, run.Index * MerkleTree.HashSize);
        run.Done = true;
        run.Peer = null;
        if (_runs.All(r => r.Done))
            _done.TrySetResult(_layers.ToDictionary(l => l.Key, l => (ReadOnlyMemory<byte>)l.Value.Layer));
    }

    /// <summary>The peer left: its runs go to others.</summary>
    public void OnDisconnected(SwarmPeer peer)
    {
        foreach (var run in _runs.Where(r => r.Peer == peer))
            run.Peer = null;
    }

    private sealed class Run(string root, byte[] rootBytes, int count, int index, int length)
    {
        public string Root { get; } = root;
        public byte[] RootBytes { get; } = rootBytes;
        public int Count { get; } = count;
        public int Index { get; } = index;
        public int Length { get; } = length;
        public bool Done { get; set; }
        public SwarmPeer? Peer { get; set; }
        public long SentAt { get; set; }
        public HashSet<(SwarmPeer Peer, long At)> Refused { get; } = [];

        public void Refuse(long now)
        {
            if (Peer is not null)
                Refused.Add((Peer, now));
            Peer = null;
        }

        public byte[] Request(int pieceLayer) =>
            HashRequests.Request(RootBytes, pieceLayer, Index, Length, HashProof.ProofLayers(MerkleTree.NextPowerOfTwo(Count)));
    }
}

using BenchmarkDotNet.Attributes;
using Shoal.Bencode;
using Shoal.Metainfo;

namespace Shoal.Benchmarks;

/// <summary>
/// Decoding and parsing torrents of realistic shapes: a 4,000-file v1 torrent (a large folder,
/// ~100 KiB of metadata besides pieces) and a hybrid torrent with piece layers.
/// </summary>
[MemoryDiagnoser]
public class MetainfoBenchmarks
{
    private byte[] _manyFiles = [];
    private byte[] _hybrid = [];
    private BValue _decoded = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        var files = new BList();
        long total = 0;
        for (int i = 0; i < 4000; i++)
        {
            long length = random.Next(1, 2_000_000);
            total += length;
            files.Add(new BDictionary()
                .Set("length", length)
                .Set("path", new BList([new BString($"dir{i % 40}"), new BString($"file-{i:D5}.dat")])));
        }
        int pieceLength = 1 << 20;
        var pieces = new byte[(total + pieceLength - 1) / pieceLength * 20];
        random.NextBytes(pieces);
        var info = new BDictionary().Set("files", files).Set("name", "big folder").Set("piece length", pieceLength).Set("pieces", pieces);
        _manyFiles = BencodeWriter.Encode(new BDictionary().Set("announce", "http://t/announce").Set("info", info));

        var dir = Path.Combine(Path.GetTempPath(), "shoal-bench-metainfo");
        Directory.CreateDirectory(dir);
        for (int i = 0; i < 20; i++)
        {
            var data = new byte[random.Next(100_000, 3_000_000)];
            random.NextBytes(data);
            File.WriteAllBytes(Path.Combine(dir, $"f{i}.bin"), data);
        }
        _hybrid = new TorrentBuilder { Version = TorrentVersion.Hybrid, PieceLength = 16384 }.BuildAsync(dir).GetAwaiter().GetResult().ToBytes();
        _decoded = BencodeReader.Decode(_manyFiles);
    }

    [Benchmark]
    public BValue DecodeBencode4000Files() => BencodeReader.Decode(_manyFiles);

    [Benchmark]
    public byte[] EncodeBencode4000Files() => BencodeWriter.Encode(_decoded);

    [Benchmark]
    public Torrent ParseV1Torrent4000Files() => TorrentParser.Parse(_manyFiles);

    [Benchmark]
    public Torrent ParseHybridTorrentWithPieceLayers() => TorrentParser.Parse(_hybrid);
}

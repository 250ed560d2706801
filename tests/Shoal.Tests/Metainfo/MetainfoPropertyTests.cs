using FsCheck;
using FsCheck.Fluent;
using Shoal.Bencode;
using Shoal.Metainfo;

namespace Shoal.Tests.Metainfo;

/// <summary>Random input to the torrent and magnet parsers only ever yields their own error.</summary>
public class MetainfoPropertyTests
{
    private static readonly Config Config = Config.QuickThrowOnFailure.WithMaxTest(1000);

    [Fact]
    public void RandomBytesOnlyGiveTorrentFormatErrors()
    {
        // Half the inputs start like a torrent, so the parser gets past the first byte.
        var gen = from tail in ArbMap.Default.GeneratorFor<byte[]>()
                  from prefix in Gen.Elements("", "d4:info", "d4:infod4:name1:a12:piece lengthi16384e", "d4:infod9:file treed")
                  select System.Text.Encoding.Latin1.GetBytes(prefix).Concat(tail).ToArray();
        Prop.ForAll(gen.ToArbitrary(), bytes =>
        {
            try
            {
                TorrentParser.Parse(bytes);
            }
            catch (TorrentFormatException)
            {
            }
        }).Check(Config);
    }

    [Fact]
    public void RandomMagnetTextOnlyGivesTorrentFormatErrors()
    {
        var part = Gen.Elements("xt=urn:btih:", "xt=urn:btmh:1220", "dn=", "tr=", "so=", "x.pe=", "ws=", "%", "%zz", "&", "=", "+", "1-", ",", "c12fe1c06bba254a9dc9f519b335aa7c1367a88a", "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
        var gen = from parts in part.ArrayOf()
                  from noise in ArbMap.Default.GeneratorFor<string>()
                  select "magnet:?" + string.Concat(parts) + noise;
        Prop.ForAll(gen.ToArbitrary(), text =>
        {
            try
            {
                var magnet = MagnetLink.Parse(text);
                // Whatever parses also formats and parses back to the same hashes.
                Assert.Equal(magnet.InfoHashes, MagnetLink.Parse(magnet.ToString()).InfoHashes);
            }
            catch (TorrentFormatException)
            {
            }
        }).Check(Config);
    }

    [Fact]
    public void BuiltTorrentsRoundTripThroughTheirBytes()
    {
        var gen = from count in Gen.Choose(1, 6)
                  from sizes in Gen.Choose(0, 70_000).ArrayOf(count)
                  from version in Gen.Elements(TorrentVersion.V1, TorrentVersion.V2, TorrentVersion.Hybrid)
                  select (sizes, version);
        Prop.ForAll(gen.ToArbitrary(), input =>
        {
            var (sizes, version) = input;
            if (sizes.All(s => s == 0))
                return;
            var dir = TestData.TempDir();
            for (int i = 0; i < sizes.Length; i++)
                TestData.WriteFile(Path.Combine(dir, "c", $"f{i}"), TestData.Random(sizes[i], i));
            var torrent = new TorrentBuilder { Version = version, PieceLength = 16384 }.BuildAsync(Path.Combine(dir, "c")).GetAwaiter().GetResult();
            var reparsed = TorrentParser.Parse(torrent.ToBytes());
            Assert.Equal(torrent.InfoHashes, reparsed.InfoHashes);
            Assert.Equal(torrent.Files.Select(f => (f.Path, f.Length, f.Offset)), reparsed.Files.Select(f => (f.Path, f.Length, f.Offset)));
            // A v2 torrent of a folder with one file describes just that file (BEP 52).
            var saveDir = reparsed.IsSingleFile ? Path.Combine(dir, "c") : dir;
            Assert.Equal(version == TorrentVersion.V2 && sizes.Length == 1, reparsed.IsSingleFile);
            Assert.True(Shoal.Storage.TorrentVerifier.VerifyAsync(reparsed, saveDir).GetAwaiter().GetResult().IsComplete);
            Directory.Delete(dir, true);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(40));
    }
}

using System.Net;
using System.Text;
using Shoal.Bencode;
using Shoal.Metainfo;
using Shoal.Tracker;
using Shoal.Trackers;
using Shoal.Wire;

namespace Shoal.Tests.Fuzz;

/// <summary>
/// Fuzzing that reaches past the first check: every case starts from a valid input and then
/// truncates it, flips bytes in it, splices random bytes into it or appends random bytes to it.
/// Each parser may only answer with a value, "need more", or its own error; and the errors seen
/// must be varied, which shows the mutants got past the first check.
/// </summary>
public class PrefixFuzzTests
{
    private const int Cases = 3000;

    /// <summary>Mutants of <paramref name="valid"/>: a prefix, byte flips, a random splice or a random tail.</summary>
    private static IEnumerable<byte[]> Mutants(byte[] valid, int seed)
    {
        var random = new Random(seed);
        for (int i = 0; i < Cases; i++)
        {
            var bytes = (byte[])valid.Clone();
            switch (i % 4)
            {
                case 0:
                    yield return bytes[..random.Next(bytes.Length + 1)];
                    break;
                case 1:
                    for (int flips = random.Next(1, 4); flips > 0; flips--)
                        bytes[random.Next(bytes.Length)] ^= (byte)random.Next(1, 256);
                    yield return bytes;
                    break;
                case 2:
                    int at = random.Next(bytes.Length + 1);
                    var splice = new byte[random.Next(1, 16)];
                    random.NextBytes(splice);
                    yield return [.. bytes[..at], .. splice, .. bytes[at..]];
                    break;
                default:
                    var tail = new byte[random.Next(1, 64)];
                    random.NextBytes(tail);
                    yield return [.. bytes[..random.Next(bytes.Length + 1)], .. tail];
                    break;
            }
        }
    }

    /// <summary>Runs <paramref name="parse"/> on every mutant; it returns null (accepted) or its own error's message.</summary>
    private static void Check(byte[] valid, int seed, Func<byte[], string?> parse, int minDistinctErrors = 3)
    {
        Assert.Null(parse(valid)); // the starting point really is valid
        var errors = new HashSet<string>();
        int accepted = 0;
        foreach (var mutant in Mutants(valid, seed))
        {
            string? error = parse(mutant);
            if (error is null)
                accepted++;
            else
                errors.Add(new string([.. error.Where(c => !char.IsDigit(c))])); // one kind per message shape
        }
        Assert.True(errors.Count >= minDistinctErrors,
            $"only {errors.Count} kinds of error ({string.Join(" | ", errors)}): the mutants did not get past the first check");
        Assert.True(accepted > 0, "no mutant was accepted");
    }

    /// <summary>Parse errors and signature failures are the only ways out: anything else escaping is a defect.</summary>
    private static string? Refusal(Action parse)
    {
        try
        {
            parse();
            return null;
        }
        catch (FormatException e)
        {
            return e.Message;
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            return e.Message;
        }
    }

    [Fact]
    public void Channel_links_and_values()
    {
        const string key = "8543d3e6115f0f98c944077a4493dcd543e49c739fd998550a1f614ab36ed63e";
        Check(Encoding.ASCII.GetBytes($"magnet:?xs=urn:btpk:{key}&s=6e"), 31,
            bytes => Refusal(() => Shoal.Channels.ChannelLink.Parse(Encoding.Latin1.GetString(bytes))));
        Check(Shoal.Channels.ChannelValue.Encode(new InfoHash(new byte[20])), 32,
            bytes => Refusal(() => Shoal.Channels.ChannelValue.Decode(bytes)), minDistinctErrors: 2);
    }

    [Fact]
    public void Channel_feeds()
    {
        using var key = Shoal.Channels.ChannelKey.Generate();
        byte[] feed = Shoal.Channels.ChannelFeed.Create(key, "stable"u8, new Shoal.Channels.ChannelVersion(new InfoHash(new byte[20]), 7));
        var link = key.Link("stable"u8);
        Check(feed, 34, bytes => Refusal(() => Shoal.Channels.ChannelFeed.Read(bytes, link)));
    }

    [Fact]
    public void Dht_mutable_items()
    {
        using var key = NSec.Cryptography.Key.Create(NSec.Cryptography.SignatureAlgorithm.Ed25519);
        var item = Shoal.Dht.Items.DhtItem.Sign(key, "salt"u8, 3, "d2:ih20:aaaaaaaaaaaaaaaaaaaae"u8);
        // The fuzzed input is the whole put as a receiving node sees it: key, salt, seq and value back to back.
        byte[] valid = [.. item.PublicKey!, .. item.Value];
        Check(valid, 33, bytes => Refusal(() => Shoal.Dht.Items.DhtItem.Mutable(bytes.AsSpan(0, Math.Min(32, bytes.Length)), item.Salt, item.Sequence,
            bytes.AsSpan(Math.Min(32, bytes.Length)), item.Signature)), minDistinctErrors: 2);
    }

    [Fact]
    public void Peer_wire_framing()
    {
        var stream = new List<byte>();
        var buffer = new byte[64];
        stream.AddRange(buffer[..PeerWire.WriteIndex(buffer, MessageId.Have, 3)]);
        stream.AddRange(buffer[..PeerWire.WriteBlock(buffer, MessageId.Request, 1, 16384, 16384)]);
        stream.AddRange(buffer[..PeerWire.WritePayload(buffer, MessageId.Bitfield, [0xF0])]);
        stream.AddRange(buffer[..PeerWire.WriteExtended(buffer, 0, "d1:md6:ut_pexi1eee"u8)]);
        stream.AddRange(buffer[..PeerWire.WriteSimple(buffer, MessageId.Unchoke)]);
        Check([.. stream], 1, bytes =>
        {
            var data = bytes.AsSpan();
            while (true)
            {
                var status = PeerWire.TryRead(data, 1024, out _, out int consumed, out string? error);
                if (status == ParseStatus.Error)
                    return error;
                if (status == ParseStatus.NeedMore)
                    return null;
                data = data[consumed..];
            }
        }, minDistinctErrors: 2);
    }

    [Fact]
    public void Peer_handshake()
    {
        var valid = new Handshake(Handshake.OurReserved(), new byte[20], "-SH0100-abcdefghijkl"u8.ToArray()).ToBytes();
        Check(valid, 2, bytes => Handshake.TryParse(bytes, out _, out string? error) == ParseStatus.Error ? error : null, minDistinctErrors: 2);
    }

    [Fact]
    public void Extension_handshake()
    {
        var valid = new ExtensionHandshake
        {
            Extensions = new Dictionary<string, byte> { ["ut_metadata"] = 1, ["ut_pex"] = 2 },
            Client = "Shoal 0.1",
            RequestQueue = 500,
            ListenPort = 6881,
            YourIp = IPAddress.Loopback,
            MetadataSize = 12345,
        }.Encode();
        Check(valid, 3, bytes =>
        {
            try
            {
                ExtensionHandshake.Parse(bytes);
                return null;
            }
            catch (Exception e) when (e is FormatException or BencodeException)
            {
                return e.Message;
            }
        });
    }

    [Fact]
    public void Metadata_message()
    {
        var valid = new Shoal.Extensions.MetadataMessage(Shoal.Extensions.MetadataMessageType.Data, 2, 40_000, new byte[64]).Encode();
        Check(valid, 11, bytes =>
        {
            try
            {
                Shoal.Extensions.MetadataMessage.Parse(bytes);
                return null;
            }
            catch (FormatException e)
            {
                return e.Message;
            }
        });
    }

    [Fact]
    public void Pex_message()
    {
        var valid = new Shoal.Extensions.PexMessage
        {
            Added = [(new IPEndPoint(IPAddress.Loopback, 6881), 2), (new IPEndPoint(IPAddress.IPv6Loopback, 6882), 16)],
            Dropped = [new IPEndPoint(IPAddress.Parse("10.0.0.1"), 80)],
        }.Encode();
        Check(valid, 12, bytes =>
        {
            try
            {
                Shoal.Extensions.PexMessage.Parse(bytes);
                return null;
            }
            catch (FormatException e)
            {
                return e.Message;
            }
        });
    }

    [Fact]
    public void Krpc_message()
    {
        var id = new Shoal.Dht.NodeId("abcdefghij0123456789"u8);
        var valid = (Shoal.Dht.KrpcMessage.Response([7, 7], id) with
        {
            Token = [1, 2, 3, 4],
            Nodes = [new Shoal.Dht.DhtNode(id, new IPEndPoint(IPAddress.Loopback, 6881))],
            Values = [new IPEndPoint(IPAddress.Loopback, 6882)],
        }).Encode();
        Check(valid, 13, bytes =>
        {
            try
            {
                Shoal.Dht.KrpcMessage.Parse(bytes);
                return null;
            }
            catch (FormatException e)
            {
                return e.Message;
            }
        });
    }

    [Fact]
    public void Lsd_announce()
    {
        var hashes = new[] { new Shoal.Metainfo.InfoHash(new byte[20]), new Shoal.Metainfo.InfoHash(Enumerable.Repeat((byte)0xab, 20).ToArray()) };
        var valid = new Shoal.Discovery.LsdMessage(6881, hashes, "c00c1e").Encode("239.192.152.143:6771");
        Check(valid, 17, bytes =>
        {
            try
            {
                Shoal.Discovery.LsdMessage.Parse(bytes);
                return null;
            }
            catch (FormatException e)
            {
                return e.Message;
            }
        });
    }

    [Fact]
    public void Http_tracker_announce_reply()
    {
        byte[] peers = [127, 0, 0, 1, 0x1A, 0xE1, 10, 0, 0, 2, 0x1A, 0xE2];
        byte[] valid = [.. "d8:completei5e10:incompletei3e8:intervali1800e12:min intervali60e5:peers12:"u8, .. peers, (byte)'e'];
        Check(valid, 4, bytes =>
        {
            try
            {
                TrackerResponse.ParseAnnounce(bytes);
                return null;
            }
            catch (TrackerException e)
            {
                return e.Message;
            }
        });
    }

    [Fact]
    public void Udp_tracker_announce_reply()
    {
        var valid = new byte[20 + 18];
        valid[3] = 1; // action announce
        valid[11] = 60; // interval
        valid[20] = 127;
        valid[23] = 1;
        valid[25] = 0x1A;
        Check(valid, 5, bytes =>
        {
            try
            {
                UdpTrackerPacket.ParseAnnounce(bytes, ipv6: false);
                return null;
            }
            catch (TrackerException e)
            {
                return e.Message;
            }
        }, minDistinctErrors: 1);
    }

    [Fact]
    public void Http_announce_query_at_the_tracker()
    {
        string hash = string.Concat(Enumerable.Range(1, 20).Select(i => $"%{i:X2}"));
        var valid = Encoding.ASCII.GetBytes($"info_hash={hash}&peer_id=-XX0001-abcdefghijkl&port=6881&uploaded=0&downloaded=0&left=100&event=started&numwant=30&compact=1");
        Check(valid, 6, bytes =>
        {
            try
            {
                HttpAnnounceParser.ParseAnnounce(Encoding.Latin1.GetString(bytes), IPAddress.Loopback, trustIpParameter: false);
                return null;
            }
            catch (TrackerRequestException e)
            {
                return e.Message;
            }
        });
    }

    [Fact]
    public async Task Torrent_file()
    {
        var torrent = await new TorrentBuilder { PieceLength = 16384, Version = TorrentVersion.Hybrid }.BuildAsync(WriteSample());
        Check(torrent.ToBytes(), 7, bytes => TorrentParser.TryParse(bytes, out _, out var error) ? null : error!.Message);
    }

    [Fact]
    public void Magnet_link()
    {
        var valid = Encoding.UTF8.GetBytes("magnet:?xt=urn:btih:0102030405060708090a0b0c0d0e0f1011121314&dn=data&tr=udp%3A%2F%2Ft.example%3A6969&x.pe=10.0.0.1:6881&so=0,2-3");
        Check(valid, 8, bytes => MagnetLink.TryParse(Encoding.UTF8.GetString(bytes), out _, out var error) ? null : error!.Message);
    }

    private static string WriteSample()
    {
        string dir = Path.Combine(TestData.TempDir(), "sample");
        TestData.WriteFile(Path.Combine(dir, "a.bin"), TestData.Random(40_000, 1));
        TestData.WriteFile(Path.Combine(dir, "b/c.bin"), TestData.Random(9_000, 2));
        return dir;
    }
}

using System.Net;
using System.Net.Sockets;
using Shoal.Bencode;
using Shoal.Net;

namespace Shoal.Extensions;

/// <summary>
/// A BEP 11 <c>ut_pex</c> message: peers added (compact IPv4 and IPv6, each with a flags byte)
/// and dropped since the last message. Parsing is bounded: at most <see cref="MaxPeers"/>
/// addresses of each kind are read, and anything that is not a compact address list is refused.
/// </summary>
internal sealed record PexMessage
{
    /// <summary>The most addresses of one kind read from a message (libtorrent sends at most 200).</summary>
    public const int MaxPeers = 1000;
    public const int MaxLength = 64 * 1024;

    /// <summary>BEP 11 flags.</summary>
    public const byte PrefersEncryption = 0x01, Seed = 0x02, SupportsUtp = 0x04, SupportsHolepunch = 0x08, Reachable = 0x10;

    private static readonly BencodeLimits Limits = new() { MaxDepth = 2, MaxTokens = 64 };

    public IReadOnlyList<(IPEndPoint EndPoint, byte Flags)> Added { get; init; } = [];
    public IReadOnlyList<IPEndPoint> Dropped { get; init; } = [];

    public byte[] Encode()
    {
        var dict = new BDictionary();
        var v4 = Added.Where(a => a.EndPoint.AddressFamily == AddressFamily.InterNetwork).ToList();
        var v6 = Added.Where(a => a.EndPoint.AddressFamily == AddressFamily.InterNetworkV6).ToList();
        dict.Set("added", CompactPeer.WriteList(v4.Select(a => a.EndPoint), AddressFamily.InterNetwork));
        dict.Set("added.f", v4.Select(a => a.Flags).ToArray());
        dict.Set("added6", CompactPeer.WriteList(v6.Select(a => a.EndPoint), AddressFamily.InterNetworkV6));
        dict.Set("added6.f", v6.Select(a => a.Flags).ToArray());
        dict.Set("dropped", CompactPeer.WriteList(Dropped, AddressFamily.InterNetwork));
        dict.Set("dropped6", CompactPeer.WriteList(Dropped, AddressFamily.InterNetworkV6));
        return BencodeWriter.Encode(dict);
    }

    /// <summary>Parses a message; throws <see cref="FormatException"/> when it is malformed.</summary>
    public static PexMessage Parse(ReadOnlySpan<byte> payload)
    {
        if (payload.Length > MaxLength)
            throw new FormatException($"ut_pex message of {payload.Length} bytes exceeds {MaxLength}");
        BValue value;
        try
        {
            value = BencodeReader.Decode(payload.ToArray(), Limits);
        }
        catch (BencodeException e)
        {
            throw new FormatException($"ut_pex message: {e.Message}", e);
        }
        if (value is not BDictionary dict)
            throw new FormatException("ut_pex message is not a dictionary");
        var added = new List<(IPEndPoint, byte)>();
        ReadAdded(dict, "added", "added.f", AddressFamily.InterNetwork, added);
        ReadAdded(dict, "added6", "added6.f", AddressFamily.InterNetworkV6, added);
        var dropped = new List<IPEndPoint>();
        dropped.AddRange(ReadList(dict, "dropped", AddressFamily.InterNetwork));
        dropped.AddRange(ReadList(dict, "dropped6", AddressFamily.InterNetworkV6));
        return new PexMessage { Added = added, Dropped = dropped };
    }

    private static void ReadAdded(BDictionary dict, string key, string flagsKey, AddressFamily family, List<(IPEndPoint, byte)> into)
    {
        var peers = ReadList(dict, key, family);
        var flags = dict[flagsKey] is BString f ? f.Span : default;
        for (int i = 0; i < peers.Count; i++)
            into.Add((peers[i], i < flags.Length ? flags[i] : (byte)0));
    }

    private static List<IPEndPoint> ReadList(BDictionary dict, string key, AddressFamily family) => dict[key] switch
    {
        null => [],
        BString list => CompactPeer.ReadList(list.Span, family, MaxPeers),
        _ => throw new FormatException($"ut_pex '{key}' is not a string"),
    };
}

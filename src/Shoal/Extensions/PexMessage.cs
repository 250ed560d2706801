using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Shoal.Bencode;

namespace Shoal.Extensions;

/// <summary>
/// A BEP 11 <c>ut_pex</c> message: peers added (compact IPv4 and IPv6, each with a flags byte)
/// and dropped since the last message. Parsing is bounded: at most <see cref="MaxPeers"/>
/// addresses of each kind are read, and anything that is not a compact address list is refused.
/// </summary>
public sealed record PexMessage
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
        dict.Set("added", Compact(v4.Select(a => a.EndPoint), 4));
        dict.Set("added.f", v4.Select(a => a.Flags).ToArray());
        dict.Set("added6", Compact(v6.Select(a => a.EndPoint), 16));
        dict.Set("added6.f", v6.Select(a => a.Flags).ToArray());
        dict.Set("dropped", Compact(Dropped.Where(e => e.AddressFamily == AddressFamily.InterNetwork), 4));
        dict.Set("dropped6", Compact(Dropped.Where(e => e.AddressFamily == AddressFamily.InterNetworkV6), 16));
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
        ReadAdded(dict, "added", "added.f", 4, added);
        ReadAdded(dict, "added6", "added6.f", 16, added);
        var dropped = new List<IPEndPoint>();
        dropped.AddRange(ReadCompact(dict, "dropped", 4));
        dropped.AddRange(ReadCompact(dict, "dropped6", 16));
        return new PexMessage { Added = added, Dropped = dropped };
    }

    private static void ReadAdded(BDictionary dict, string key, string flagsKey, int addressLength, List<(IPEndPoint, byte)> into)
    {
        var peers = ReadCompact(dict, key, addressLength);
        var flags = dict[flagsKey] is BString f ? f.Span : default;
        for (int i = 0; i < peers.Count; i++)
            into.Add((peers[i], i < flags.Length ? flags[i] : (byte)0));
    }

    private static List<IPEndPoint> ReadCompact(BDictionary dict, string key, int addressLength)
    {
        var result = new List<IPEndPoint>();
        if (dict[key] is null)
            return result;
        if (dict[key] is not BString list)
            throw new FormatException($"ut_pex '{key}' is not a string");
        int entry = addressLength + 2;
        if (list.Bytes.Length % entry != 0)
            throw new FormatException($"ut_pex '{key}' of {list.Bytes.Length} bytes is not a list of {entry}-byte addresses");
        var span = list.Span;
        for (int at = 0; at < span.Length && result.Count < MaxPeers; at += entry)
            result.Add(new IPEndPoint(new IPAddress(span.Slice(at, addressLength)), BinaryPrimitives.ReadUInt16BigEndian(span[(at + addressLength)..])));
        return result;
    }

    private static byte[] Compact(IEnumerable<IPEndPoint> endPoints, int addressLength)
    {
        var list = endPoints.ToList();
        var bytes = new byte[list.Count * (addressLength + 2)];
        for (int i = 0; i < list.Count; i++)
        {
            var at = bytes.AsSpan(i * (addressLength + 2));
            list[i].Address.TryWriteBytes(at, out _);
            BinaryPrimitives.WriteUInt16BigEndian(at[addressLength..], (ushort)list[i].Port);
        }
        return bytes;
    }
}

using System.Net;
using System.Text;
using Shoal.Bencode;

namespace Shoal.Wire;

/// <summary>
/// The BEP 10 extension handshake (extended message id 0): the peer's extension ids (<c>m</c>),
/// client name (<c>v</c>), request queue depth (<c>reqq</c>), listen port (<c>p</c>), and the
/// address it sees us at (<c>yourip</c>).
/// </summary>
internal sealed record ExtensionHandshake
{
    /// <summary>Largest handshake payload accepted.</summary>
    public const int MaxLength = 64 * 1024;

    public IReadOnlyDictionary<string, byte> Extensions { get; init; } = new Dictionary<string, byte>();
    public string? Client { get; init; }
    public int? RequestQueue { get; init; }
    public int? ListenPort { get; init; }
    public IPAddress? YourIp { get; init; }
    public long? MetadataSize { get; init; }
    /// <summary>The whole dictionary as received, for extensions that read their own keys.</summary>
    public BDictionary? Raw { get; init; }

    /// <summary>Encodes the handshake, plus <paramref name="extra"/> top-level keys (an extension's own).</summary>
    public byte[] Encode(BDictionary? extra = null)
    {
        var dict = new BDictionary();
        if (extra is not null)
        {
            foreach (var (key, value) in extra.Entries)
                dict.Set(key, value);
        }
        var m = new BDictionary();
        foreach (var (name, id) in Extensions)
            m.Set(name, new BInteger(id));
        dict.Set("m", m);
        if (Client is not null)
            dict.Set("v", new BString(Client));
        if (RequestQueue is int reqq)
            dict.Set("reqq", new BInteger(reqq));
        if (ListenPort is int port)
            dict.Set("p", new BInteger(port));
        if (YourIp is not null)
            dict.Set("yourip", new BString(YourIp.IsIPv4MappedToIPv6 ? YourIp.MapToIPv4().GetAddressBytes() : YourIp.GetAddressBytes()));
        if (MetadataSize is long size)
            dict.Set("metadata_size", new BInteger(size));
        return BencodeWriter.Encode(dict);
    }

    /// <summary>Parses a handshake payload; throws <see cref="BencodeException"/> or <see cref="FormatException"/> on bad input.</summary>
    public static ExtensionHandshake Parse(ReadOnlySpan<byte> payload)
    {
        if (payload.Length > MaxLength)
            throw new FormatException($"extension handshake of {payload.Length} bytes exceeds {MaxLength}");
        var limits = new BencodeLimits { MaxDepth = 8, MaxTokens = 4096 };
        if (BencodeReader.Decode(payload.ToArray(), limits) is not BDictionary dict)
            throw new FormatException("extension handshake is not a dictionary");
        var extensions = new Dictionary<string, byte>();
        if (dict["m"] is BDictionary m)
        {
            foreach (var (key, value) in m.Entries)
            {
                // An id of 0 disables an extension; ids above 255 cannot be sent.
                if (value is BInteger { Value: > 0 and <= 255 } id)
                    extensions[key.Text] = (byte)id.Value;
            }
        }
        IPAddress? yourIp = dict["yourip"] is BString { Bytes.Length: 4 or 16 } ip ? new IPAddress(ip.Span) : null;
        return new ExtensionHandshake
        {
            Extensions = extensions,
            Client = dict["v"] is BString v && v.Bytes.Length <= 256 ? Encoding.UTF8.GetString(v.Span) : null,
            RequestQueue = dict["reqq"] is BInteger { Value: > 0 and <= 100_000 } reqq ? (int)reqq.Value : null,
            ListenPort = dict["p"] is BInteger { Value: > 0 and <= 65535 } p ? (int)p.Value : null,
            YourIp = yourIp,
            MetadataSize = dict["metadata_size"] is BInteger { Value: > 0 } size ? size.Value : null,
            Raw = dict,
        };
    }
}

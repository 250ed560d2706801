using System.Net;
using System.Net.Sockets;
using System.Text;
using Shoal.Bencode;
using Shoal.Net;

namespace Shoal.Dht;

/// <summary>
/// One KRPC message of the DHT (BEP 5, with BEP 32 IPv6 nodes, BEP 33-free, BEP 42 'ip', BEP 43
/// 'ro' and BEP 51 samples): a transaction id, and for a query its method and arguments, for a
/// response its values, for an error its code and text. Pure and bounded: a datagram over
/// <see cref="MaxPacket"/> bytes, deep or wide bencode, lists that are not whole compact entries
/// and wrong types are refused with <see cref="FormatException"/>; long lists are cut to their bounds.
/// </summary>
internal sealed record KrpcMessage
{
    public const int MaxPacket = 8 * 1024;
    public const int MaxTransactionId = 16;
    public const int MaxValues = 200;
    public const int MaxNodes = 64;
    public const int MaxSamples = 400;
    public const int MaxToken = 64;

    /// <summary>Deep enough for a BEP 44 value (top, arguments, then the value's own nesting).</summary>
    private static readonly BencodeLimits Limits = new() { MaxDepth = 40, MaxTokens = 2048 };

    public required KrpcKind Kind { get; init; }
    public required byte[] TransactionId { get; init; }
    /// <summary>The query's method (ping, find_node, get_peers, announce_peer, sample_infohashes, or another).</summary>
    public string? Method { get; init; }
    /// <summary>The sender's id ('id' in 'a' or 'r').</summary>
    public NodeId? Id { get; init; }
    public NodeId? Target { get; init; }
    public NodeId? InfoHash { get; init; }
    public int? Port { get; init; }
    public bool ImpliedPort { get; init; }
    public byte[]? Token { get; init; }
    /// <summary>BEP 32 'want': "n4" and/or "n6".</summary>
    public IReadOnlyList<string> Want { get; init; } = [];
    public IReadOnlyList<DhtNode> Nodes { get; init; } = [];
    public IReadOnlyList<DhtNode> Nodes6 { get; init; } = [];
    public IReadOnlyList<IPEndPoint> Values { get; init; } = [];
    /// <summary>BEP 51 samples (info-hashes), interval and count.</summary>
    public IReadOnlyList<NodeId> Samples { get; init; } = [];
    public int? Interval { get; init; }
    public int? Num { get; init; }
    /// <summary>BEP 43: the sender is read-only and should not be added to routing tables.</summary>
    public bool ReadOnly { get; init; }
    /// <summary>BEP 42 'ip': our address as the responder sees it.</summary>
    public IPEndPoint? ExternalIp { get; init; }
    public byte[]? Version { get; init; }
    /// <summary>
    /// The query's arguments or the response's values as received ('a' or 'r'), for the handlers
    /// and lookups of query types beyond BEP 5's to read their own keys from.
    /// </summary>
    public BDictionary? Arguments { get; init; }
    /// <summary>Keys a handler or a lookup adds to the arguments or values it sends (BEP 44's v, k, sig, seq, ...).</summary>
    public BDictionary? Extra { get; init; }
    public int ErrorCode { get; init; }
    public string? ErrorText { get; init; }

    public static KrpcMessage Query(byte[] transaction, string method, NodeId id) =>
        new() { Kind = KrpcKind.Query, TransactionId = transaction, Method = method, Id = id };

    public static KrpcMessage Response(byte[] transaction, NodeId id) => new() { Kind = KrpcKind.Response, TransactionId = transaction, Id = id };

    public static KrpcMessage Error(byte[] transaction, int code, string text) =>
        new() { Kind = KrpcKind.Error, TransactionId = transaction, ErrorCode = code, ErrorText = text };

    public byte[] Encode()
    {
        var top = new BDictionary().Set("t", TransactionId);
        if (Version is not null)
            top.Set("v", Version);
        if (ExternalIp is not null)
            top.Set("ip", CompactPeer.ToBytes(ExternalIp));
        switch (Kind)
        {
            case KrpcKind.Query:
                top.Set("y", "q").Set("q", Method ?? "");
                if (ReadOnly)
                    top.Set("ro", 1);
                top.Set("a", Body());
                break;
            case KrpcKind.Response:
                top.Set("y", "r").Set("r", Body());
                break;
            default:
                top.Set("y", "e").Set("e", new BList([new BInteger(ErrorCode), new BString(ErrorText ?? "")]));
                break;
        }
        return BencodeWriter.Encode(top);
    }

    private BDictionary Body()
    {
        var body = new BDictionary();
        if (Id is { } id)
            body.Set("id", id.Span.ToArray());
        if (Target is { } target)
            body.Set("target", target.Span.ToArray());
        if (InfoHash is { } hash)
            body.Set("info_hash", hash.Span.ToArray());
        if (Port is int port)
            body.Set("port", port);
        if (ImpliedPort)
            body.Set("implied_port", 1);
        if (Token is not null)
            body.Set("token", Token);
        if (Want.Count > 0)
            body.Set("want", new BList(Want.Select(w => (BValue)new BString(w))));
        if (Nodes.Count > 0)
            body.Set("nodes", DhtNode.WriteCompact(Nodes, AddressFamily.InterNetwork));
        if (Nodes6.Count > 0)
            body.Set("nodes6", DhtNode.WriteCompact(Nodes6, AddressFamily.InterNetworkV6));
        if (Values.Count > 0)
            body.Set("values", new BList(Values.Select(v => (BValue)new BString(CompactPeer.ToBytes(v)))));
        if (Samples.Count > 0 || Interval is not null)
            body.Set("samples", Samples.SelectMany(s => s.Span.ToArray()).ToArray());
        if (Interval is int interval)
            body.Set("interval", interval);
        if (Num is int num)
            body.Set("num", num);
        foreach (var (key, value) in Extra?.Entries ?? [])
            body.Set(key, value);
        return body;
    }

    /// <summary>Parses a datagram; throws <see cref="FormatException"/> for anything malformed.</summary>
    public static KrpcMessage Parse(ReadOnlySpan<byte> packet)
    {
        if (packet.Length > MaxPacket)
            throw new FormatException($"KRPC packet of {packet.Length} bytes exceeds {MaxPacket}");
        BValue value;
        try
        {
            value = BencodeReader.Decode(packet.ToArray(), Limits);
        }
        catch (BencodeException e)
        {
            throw new FormatException($"KRPC: {e.Message}", e);
        }
        if (value is not BDictionary top)
            throw new FormatException("KRPC message is not a dictionary");
        if (top["t"] is not BString { Bytes.Length: > 0 and <= MaxTransactionId } t)
            throw new FormatException("KRPC message without a valid transaction id");
        var kind = top["y"] is BString y ? Encoding.ASCII.GetString(y.Span) switch
        {
            "q" => KrpcKind.Query,
            "r" => KrpcKind.Response,
            "e" => KrpcKind.Error,
            _ => throw new FormatException("KRPC message of an unknown type"),
        } : throw new FormatException("KRPC message without a type");
        var message = new KrpcMessage
        {
            Kind = kind,
            TransactionId = t.Bytes.ToArray(),
            Version = top["v"] is BString { Bytes.Length: <= 16 } v ? v.Bytes.ToArray() : null,
            ExternalIp = top["ip"] is BString { Bytes.Length: 6 or 18 } ip ? CompactPeer.Read(ip.Span) : null,
        };
        switch (kind)
        {
            case KrpcKind.Error:
                if (top["e"] is not BList { Count: >= 2 } e || e[0] is not BInteger code || e[1] is not BString text)
                    throw new FormatException("KRPC error without [code, message]");
                return message with { ErrorCode = (int)Math.Clamp(code.Value, int.MinValue, int.MaxValue), ErrorText = Encoding.UTF8.GetString(text.Span[..Math.Min(text.Bytes.Length, 256)]) };
            case KrpcKind.Query:
                if (top["q"] is not BString { Bytes.Length: > 0 and <= 32 } q)
                    throw new FormatException("KRPC query without a method");
                if (top["a"] is not BDictionary a)
                    throw new FormatException("KRPC query without arguments");
                return ReadBody(message with { Method = Encoding.ASCII.GetString(q.Span), ReadOnly = top["ro"] is BInteger { Value: 1 } }, a);
            default:
                if (top["r"] is not BDictionary r)
                    throw new FormatException("KRPC response without values");
                return ReadBody(message, r);
        }
    }

    private static KrpcMessage ReadBody(KrpcMessage message, BDictionary body)
    {
        if (body["id"] is not BString { Bytes.Length: NodeId.Length } id)
            throw new FormatException("KRPC message without a 20-byte id");
        var values = new List<IPEndPoint>();
        if (body["values"] is BList list)
        {
            foreach (var item in list.Items.Take(MaxValues))
            {
                if (item is not BString { Bytes.Length: 6 or 18 } peer)
                    throw new FormatException("KRPC values entry is not a compact address");
                values.Add(CompactPeer.Read(peer.Span));
            }
        }
        else if (body["values"] is not null)
        {
            throw new FormatException("KRPC values is not a list");
        }
        var want = body["want"] is BList w ? [.. w.Items.OfType<BString>().Take(4).Select(s => Encoding.ASCII.GetString(s.Span[..Math.Min(4, s.Bytes.Length)]))] : new List<string>();
        return message with
        {
            Arguments = body,
            Id = new NodeId(id.Span),
            Target = OptionalId(body, "target"),
            InfoHash = OptionalId(body, "info_hash"),
            Port = body["port"] is BInteger { Value: >= 0 and <= 65535 } port ? (int)port.Value : null,
            ImpliedPort = body["implied_port"] is BInteger { Value: not 0 },
            Token = body["token"] switch
            {
                null => null,
                BString { Bytes.Length: > 0 and <= MaxToken } token => token.Bytes.ToArray(),
                _ => throw new FormatException("KRPC token is not a short string"),
            },
            Want = want,
            Nodes = Compact(body, "nodes", AddressFamily.InterNetwork),
            Nodes6 = Compact(body, "nodes6", AddressFamily.InterNetworkV6),
            Values = values,
            Samples = ReadSamples(body),
            Interval = body["interval"] is BInteger { Value: >= 0 and <= 21600 } interval ? (int)interval.Value : null,
            Num = body["num"] is BInteger { Value: >= 0 and <= int.MaxValue } num ? (int)num.Value : null,
        };
    }

    private static NodeId? OptionalId(BDictionary body, string key) => body[key] switch
    {
        null => null,
        BString { Bytes.Length: NodeId.Length } value => new NodeId(value.Span),
        _ => throw new FormatException($"KRPC {key} is not 20 bytes"),
    };

    private static List<DhtNode> Compact(BDictionary body, string key, AddressFamily family) => body[key] switch
    {
        null => [],
        BString nodes => DhtNode.ReadCompact(nodes.Span, family, MaxNodes),
        _ => throw new FormatException($"KRPC {key} is not a string"),
    };

    private static List<NodeId> ReadSamples(BDictionary body)
    {
        if (body["samples"] is null)
            return [];
        if (body["samples"] is not BString { } samples || samples.Bytes.Length % NodeId.Length != 0)
            throw new FormatException("KRPC samples is not a list of 20-byte hashes");
        var result = new List<NodeId>();
        for (int at = 0; at < samples.Bytes.Length && result.Count < MaxSamples; at += NodeId.Length)
            result.Add(new NodeId(samples.Span.Slice(at, NodeId.Length)));
        return result;
    }
}

using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;
using Shoal.Bencode;

namespace Shoal.Dht.Items;

/// <summary>
/// A BEP 44 item: a bencoded value stored in the DHT, either immutable (found under the SHA-1
/// of the value itself) or mutable (found under the SHA-1 of an Ed25519 public key and a salt,
/// signed by its owner over salt, sequence number and value). The value is kept verbatim, as
/// it was encoded: its hash and signature are over those exact bytes.
/// </summary>
internal sealed record DhtItem
{
    /// <summary>The most a value may take, bencoded (BEP 44 lets storing nodes refuse more).</summary>
    public const int MaxValueLength = 1000;
    /// <summary>The longest salt BEP 44 allows.</summary>
    public const int MaxSaltLength = 64;
    public const int PublicKeyLength = 32;
    public const int SignatureLength = 64;
    /// <summary>The deepest nesting of lists and dictionaries a value may have.</summary>
    public const int MaxValueDepth = 32;

    private DhtItem(byte[] value, byte[]? publicKey, byte[] salt, long sequence, byte[]? signature)
    {
        Value = value;
        PublicKey = publicKey;
        Salt = salt;
        Sequence = sequence;
        Signature = signature;
    }

    /// <summary>The value, bencoded, verbatim.</summary>
    public byte[] Value { get; }
    /// <summary>The owner's Ed25519 public key; null for an immutable item.</summary>
    public byte[]? PublicKey { get; }
    /// <summary>The salt (empty when none); part of a mutable item's target and of what is signed.</summary>
    public byte[] Salt { get; }
    /// <summary>A mutable item's sequence number (0 for an immutable one).</summary>
    public long Sequence { get; }
    /// <summary>A mutable item's signature; null for an immutable item.</summary>
    public byte[]? Signature { get; }

    public bool IsMutable => PublicKey is not null;

    /// <summary>Where the item is stored: SHA-1 of the value, or of the public key and salt.</summary>
    public NodeId Target => PublicKey is { } key ? MutableTarget(key, Salt) : ImmutableTarget(Value);

    public static NodeId ImmutableTarget(ReadOnlySpan<byte> value) => new(SHA1.HashData(value));

    public static NodeId MutableTarget(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> salt)
    {
        Span<byte> both = stackalloc byte[publicKey.Length + salt.Length];
        publicKey.CopyTo(both);
        salt.CopyTo(both[publicKey.Length..]);
        return new NodeId(SHA1.HashData(both));
    }

    /// <summary>
    /// What a mutable item's signature covers, built from its parts (never by re-encoding a
    /// dictionary): ("4:salt" len ":" salt) "3:seqi" seq "e1:v" and the value's own bytes.
    /// </summary>
    public static byte[] SignedBuffer(ReadOnlySpan<byte> salt, long sequence, ReadOnlySpan<byte> value)
    {
        var buffer = new List<byte>(salt.Length + value.Length + 40);
        if (!salt.IsEmpty)
        {
            buffer.AddRange(Encoding.ASCII.GetBytes($"4:salt{salt.Length.ToString(CultureInfo.InvariantCulture)}:"));
            buffer.AddRange(salt);
        }
        buffer.AddRange(Encoding.ASCII.GetBytes($"3:seqi{sequence.ToString(CultureInfo.InvariantCulture)}e1:v"));
        buffer.AddRange(value);
        return [.. buffer];
    }

    /// <summary>An immutable item; throws <see cref="FormatException"/> for a value that is not one bencoded value of at most <see cref="MaxValueLength"/> bytes.</summary>
    public static DhtItem Immutable(ReadOnlySpan<byte> value)
    {
        CheckValue(value);
        return new DhtItem(value.ToArray(), null, [], 0, null);
    }

    /// <summary>A mutable item as received; throws <see cref="FormatException"/> for bad parts, <see cref="CryptographicException"/> for a signature that does not verify.</summary>
    public static DhtItem Mutable(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> salt, long sequence, ReadOnlySpan<byte> value, ReadOnlySpan<byte> signature)
    {
        CheckValue(value);
        CheckMutableParts(publicKey, salt, sequence);
        if (signature.Length != SignatureLength)
            throw new FormatException($"a signature of {signature.Length} bytes, not {SignatureLength}");
        var key = NSec.Cryptography.PublicKey.Import(SignatureAlgorithm.Ed25519, publicKey, KeyBlobFormat.RawPublicKey);
        if (!SignatureAlgorithm.Ed25519.Verify(key, SignedBuffer(salt, sequence, value), signature))
            throw new CryptographicException("the signature does not verify");
        return new DhtItem(value.ToArray(), publicKey.ToArray(), salt.ToArray(), sequence, signature.ToArray());
    }

    /// <summary>Signs a new version of a mutable item with the owner's key.</summary>
    public static DhtItem Sign(Key key, ReadOnlySpan<byte> salt, long sequence, ReadOnlySpan<byte> value)
    {
        CheckValue(value);
        byte[] publicKey = key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        CheckMutableParts(publicKey, salt, sequence);
        byte[] signature = SignatureAlgorithm.Ed25519.Sign(key, SignedBuffer(salt, sequence, value));
        return new DhtItem(value.ToArray(), publicKey, salt.ToArray(), sequence, signature);
    }

    private static void CheckMutableParts(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> salt, long sequence)
    {
        if (publicKey.Length != PublicKeyLength)
            throw new FormatException($"a public key of {publicKey.Length} bytes, not {PublicKeyLength}");
        if (salt.Length > MaxSaltLength)
            throw new FormatException($"a salt of {salt.Length} bytes (at most {MaxSaltLength})");
        if (sequence < 0)
            throw new FormatException($"a negative sequence number ({sequence})");
    }

    private static void CheckValue(ReadOnlySpan<byte> value)
    {
        if (value.Length > MaxValueLength)
            throw new FormatException($"a value of {value.Length} bytes (at most {MaxValueLength})");
        BValue decoded;
        try
        {
            decoded = BencodeReader.Decode(value.ToArray(), new BencodeLimits { MaxDepth = MaxValueDepth, MaxTokens = MaxValueLength });
        }
        catch (BencodeException e)
        {
            throw new FormatException($"the value is not one bencoded value: {e.Message}", e);
        }
        // Canonical only (sorted keys, no leading zeros): the value is sent on as it is written
        // again, and its hash and signature are over these bytes.
        if (!BencodeWriter.Encode(decoded).AsSpan().SequenceEqual(value))
            throw new FormatException("the value is not canonical bencode (unsorted keys or padded numbers)");
    }

    /// <summary>The value as a bencode tree, to send (it encodes back to exactly <see cref="Value"/>).</summary>
    public BValue DecodedValue() => BencodeReader.Decode(Value, new BencodeLimits { MaxDepth = MaxValueDepth, MaxTokens = MaxValueLength });
}

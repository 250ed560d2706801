using System.Security.Cryptography;
using Shoal.Bencode;

namespace Shoal.Dht.Items;

/// <summary>
/// BEP 44's keys in KRPC: an item is read from a put's arguments or a get's values (v, and for a
/// mutable item k, sig, seq, and in a put salt and cas) and written into them. Reading checks
/// everything an item promises (value bounds, key and signature lengths, the signature itself).
/// </summary>
internal static class DhtItemWire
{
    /// <summary>
    /// The item in <paramref name="body"/>, or null when it holds no value. A get's values carry no
    /// salt, so the asker passes the one it asked with; a put's arguments name their own.
    /// Throws <see cref="DhtItemException"/> with BEP 44's error code for what is wrong.
    /// </summary>
    public static DhtItem? Read(BDictionary body, ReadOnlySpan<byte> salt)
    {
        if (body["v"] is not { } v)
            return null;
        var value = v.Encoded.Span;
        if (value.Length > DhtItem.MaxValueLength)
            throw new DhtItemException(PutRefusal.ValueTooBig, $"a value of {value.Length} bytes (at most {DhtItem.MaxValueLength})");
        try
        {
            if (body["k"] is null)
                return DhtItem.Immutable(value);
            if (body["k"] is not BString { Bytes.Length: DhtItem.PublicKeyLength } key)
                throw new FormatException($"k is not a {DhtItem.PublicKeyLength}-byte public key");
            if (body["sig"] is not BString { Bytes.Length: DhtItem.SignatureLength } signature)
                throw new FormatException($"sig is not a {DhtItem.SignatureLength}-byte signature");
            if (body["seq"] is not BInteger { Value: >= 0 } seq)
                throw new FormatException("seq is missing or negative");
            return DhtItem.Mutable(key.Span, salt, seq.Value, value, signature.Span);
        }
        catch (CryptographicException)
        {
            throw new DhtItemException(PutRefusal.InvalidSignature, "invalid signature");
        }
        catch (FormatException e)
        {
            throw new DhtItemException(203, e.Message);
        }
    }

    /// <summary>The salt a put names (empty when none); throws <see cref="DhtItemException"/> (207) for one over 64 bytes.</summary>
    public static ReadOnlySpan<byte> Salt(BDictionary body) => body["salt"] switch
    {
        null => [],
        BString { Bytes.Length: <= DhtItem.MaxSaltLength } salt => salt.Span,
        BString salt => throw new DhtItemException(PutRefusal.SaltTooBig, $"a salt of {salt.Bytes.Length} bytes (at most {DhtItem.MaxSaltLength})"),
        _ => throw new DhtItemException(203, "salt is not a string"),
    };

    /// <summary>The item's keys for a get's values or (with <paramref name="put"/>) a put's arguments.</summary>
    public static BDictionary Write(DhtItem item, bool put, long? cas = null)
    {
        var body = new BDictionary().Set("v", item.DecodedValue());
        if (!item.IsMutable)
            return body;
        body.Set("k", (ReadOnlyMemory<byte>)item.PublicKey).Set("sig", (ReadOnlyMemory<byte>)item.Signature).Set("seq", item.Sequence);
        if (put && item.Salt.Length > 0)
            body.Set("salt", (ReadOnlyMemory<byte>)item.Salt);
        if (put && cas is long expected)
            body.Set("cas", expected);
        return body;
    }
}

/// <summary>An item that cannot be taken, with BEP 44's error code (203, 205, 206, 207) and why.</summary>
internal sealed class DhtItemException(int code, string message) : Exception(message)
{
    public int Code { get; } = code;
}

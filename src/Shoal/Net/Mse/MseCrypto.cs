using System.Numerics;
using System.Security.Cryptography;

namespace Shoal.Net.Mse;

/// <summary>
/// The arithmetic and hashes of Message Stream Encryption: 768-bit Diffie-Hellman with
/// generator 2, and the SHA-1 values both sides derive from the shared secret S and the
/// stream key SKEY (the torrent's info-hash).
/// </summary>
internal static class MseCrypto
{
    /// <summary>Bytes of a public key and of the shared secret (768 bits, big-endian).</summary>
    public const int KeyLength = 96;

    /// <summary>The verification constant: eight zero bytes.</summary>
    public const int VcLength = 8;

    private static readonly BigInteger Prime = BigInteger.Parse(
        "0FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A63A36210000000000090563",
        System.Globalization.NumberStyles.HexNumber);

    private static readonly BigInteger Generator = 2;

    /// <summary>A fresh private key: 160 random bits, as the spec asks.</summary>
    public static BigInteger NewPrivateKey()
    {
        Span<byte> bytes = stackalloc byte[20];
        RandomNumberGenerator.Fill(bytes);
        return new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
    }

    /// <summary>G^x mod P, as 96 big-endian bytes.</summary>
    public static byte[] PublicKey(BigInteger privateKey) => ToBytes(BigInteger.ModPow(Generator, privateKey, Prime));

    /// <summary>
    /// The shared secret S = Y^x mod P from the other side's public key; throws when that key is
    /// one an attacker would pick to force a known secret (0, 1 or P-1, or not below P).
    /// </summary>
    public static byte[] Secret(ReadOnlySpan<byte> theirPublicKey, BigInteger privateKey)
    {
        var y = new BigInteger(theirPublicKey, isUnsigned: true, isBigEndian: true);
        if (y <= BigInteger.One || y >= Prime - BigInteger.One)
            throw new Peers.PeerProtocolException("encryption handshake: a public key out of range");
        return ToBytes(BigInteger.ModPow(y, privateKey, Prime));
    }

    /// <summary>SHA-1 over the ASCII <paramref name="tag"/> followed by the given parts.</summary>
    public static byte[] Hash(string tag, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second = default)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        sha.AppendData(System.Text.Encoding.ASCII.GetBytes(tag));
        sha.AppendData(first);
        sha.AppendData(second);
        return sha.GetHashAndReset();
    }

    /// <summary>The cipher the connecting side (A) encrypts with and the accepting side decrypts with.</summary>
    public static Rc4 CipherA(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> streamKey) => new(Hash("keyA", secret, streamKey));

    /// <summary>The cipher the accepting side (B) encrypts with and the connecting side decrypts with.</summary>
    public static Rc4 CipherB(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> streamKey) => new(Hash("keyB", secret, streamKey));

    /// <summary>HASH('req2', SKEY): what the accepting side looks the torrent up by, once it has taken HASH('req3', S) off.</summary>
    public static byte[] StreamKeyTag(ReadOnlySpan<byte> streamKey) => Hash("req2", streamKey);

    private static byte[] ToBytes(BigInteger value)
    {
        var result = new byte[KeyLength];
        byte[] raw = value.ToByteArray(isUnsigned: true, isBigEndian: true);
        raw.CopyTo(result, KeyLength - raw.Length);
        return result;
    }
}

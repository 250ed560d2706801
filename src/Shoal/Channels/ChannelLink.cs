using Shoal.Dht.Items;

namespace Shoal.Channels;

/// <summary>
/// A channel's address (BEP 46): <c>magnet:?xs=urn:btpk:PUBLIC-KEY-HEX&amp;s=SALT-HEX</c>, the
/// publisher's Ed25519 public key and an optional salt (both in hex). Its versions are BEP 44
/// mutable items stored under SHA-1(key + salt) in the DHT, each naming one torrent's info-hash.
/// </summary>
public sealed class ChannelLink
{
    private const string Prefix = "magnet:?";
    private const string KeyUrn = "urn:btpk:";
    /// <summary>The longest link parsed: a key and the longest salt fit many times over.</summary>
    public const int MaxLength = 4096;

    private ChannelLink(byte[] publicKey, byte[] salt)
    {
        PublicKey = publicKey;
        Salt = salt;
        Target = DhtItem.MutableTarget(publicKey, salt).Span.ToArray();
    }

    /// <summary>The publisher's Ed25519 public key (32 bytes).</summary>
    public ReadOnlyMemory<byte> PublicKey { get; }
    /// <summary>The salt (empty when none; at most 64 bytes), which names one channel among a publisher's.</summary>
    public ReadOnlyMemory<byte> Salt { get; }
    /// <summary>Where the channel's item lives in the DHT: SHA-1 of the key and the salt (20 bytes).</summary>
    public ReadOnlyMemory<byte> Target { get; }

    /// <summary>A channel of <paramref name="publicKey"/> with <paramref name="salt"/>; throws <see cref="FormatException"/> for a key that is not 32 bytes or a salt over 64.</summary>
    public static ChannelLink For(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> salt = default)
    {
        if (publicKey.Length != DhtItem.PublicKeyLength)
            throw new FormatException($"a channel key is {DhtItem.PublicKeyLength} bytes, not {publicKey.Length}");
        if (salt.Length > DhtItem.MaxSaltLength)
            throw new FormatException($"a channel salt is at most {DhtItem.MaxSaltLength} bytes, not {salt.Length}");
        return new ChannelLink(publicKey.ToArray(), salt.ToArray());
    }

    /// <summary>Whether <paramref name="text"/> is a channel link (a magnet with <c>xs=urn:btpk:</c>), to tell it from a torrent's magnet.</summary>
    public static bool IsChannelLink(string text) =>
        text.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) && text.Contains("xs=" + KeyUrn, StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses a BEP 46 link; throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static ChannelLink Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > MaxLength)
            throw new FormatException($"a channel link of {text.Length} characters (at most {MaxLength})");
        if (!text.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
            throw new FormatException("a channel link starts with 'magnet:?'");
        byte[]? key = null;
        byte[] salt = [];
        foreach (string part in text[Prefix.Length..].Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = part.IndexOf('=');
            string name = equals < 0 ? part : part[..equals];
            string value = equals < 0 ? "" : Uri.UnescapeDataString(part[(equals + 1)..]);
            if (name == "xs" && value.StartsWith(KeyUrn, StringComparison.OrdinalIgnoreCase))
            {
                if (key is not null)
                    throw new FormatException("a channel link with two keys (xs=urn:btpk:)");
                key = Hex(value[KeyUrn.Length..], "the key");
            }
            else if (name == "s")
            {
                salt = Hex(value, "the salt");
            }
        }
        if (key is null)
            throw new FormatException("not a channel link: no 'xs=urn:btpk:' key");
        return For(key, salt);
    }

    /// <summary>The link, key and salt in lower-case hex (the salt left out when empty).</summary>
    public override string ToString() =>
        $"{Prefix}xs={KeyUrn}{Convert.ToHexStringLower(PublicKey.Span)}" + (Salt.IsEmpty ? "" : $"&s={Convert.ToHexStringLower(Salt.Span)}");

    private static byte[] Hex(string text, string what)
    {
        if (text.Length % 2 != 0 || !text.All(Uri.IsHexDigit))
            throw new FormatException($"{what} is not hex: '{(text.Length > 80 ? text[..80] + "..." : text)}'");
        return Convert.FromHexString(text);
    }
}

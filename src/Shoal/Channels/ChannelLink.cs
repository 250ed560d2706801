using Shoal.Dht.Items;

namespace Shoal.Channels;

/// <summary>
/// A channel's address (BEP 46): <c>magnet:?xs=urn:btpk:PUBLIC-KEY-HEX&amp;s=SALT-HEX</c>, the
/// publisher's Ed25519 public key and an optional salt (both in hex). Its versions are BEP 44
/// mutable items stored under SHA-1(key + salt) in the DHT, each naming one torrent's info-hash.
/// Trackers given with <c>tr=</c> (Shoal's addition, as in a torrent's magnet) go with every
/// version's magnet link, so that a follower without a DHT finds the version's peers.
/// </summary>
public sealed class ChannelLink
{
    private const string Prefix = "magnet:?";
    private const string KeyUrn = "urn:btpk:";
    /// <summary>The longest link parsed: a key and the longest salt fit many times over.</summary>
    public const int MaxLength = 4096;
    /// <summary>The most trackers a link names.</summary>
    public const int MaxTrackers = 16;

    private ChannelLink(byte[] publicKey, byte[] salt, IReadOnlyList<string> trackers)
    {
        PublicKey = publicKey;
        Salt = salt;
        Trackers = trackers;
        Target = DhtItem.MutableTarget(publicKey, salt).Span.ToArray();
    }

    /// <summary>The publisher's Ed25519 public key (32 bytes).</summary>
    public ReadOnlyMemory<byte> PublicKey { get; }
    /// <summary>The salt (empty when none; at most 64 bytes), which names one channel among a publisher's.</summary>
    public ReadOnlyMemory<byte> Salt { get; }
    /// <summary>Where the channel's item lives in the DHT: SHA-1 of the key and the salt (20 bytes).</summary>
    public ReadOnlyMemory<byte> Target { get; }

    /// <summary>Trackers of the channel's versions (the link's <c>tr=</c> parameters).</summary>
    public IReadOnlyList<string> Trackers { get; }

    /// <summary>A channel of <paramref name="publicKey"/> with <paramref name="salt"/>; throws <see cref="FormatException"/> for a key that is not 32 bytes or a salt over 64.</summary>
    /// <remarks>The versions' peers are found through <paramref name="trackers"/> too, when given.</remarks>
    public static ChannelLink For(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> salt = default, IEnumerable<string>? trackers = null)
    {
        var list = trackers?.ToList() ?? [];
        if (list.Count > MaxTrackers)
            throw new FormatException($"a channel link names at most {MaxTrackers} trackers");
        if (list.FirstOrDefault(t => !Uri.TryCreate(t, UriKind.Absolute, out _)) is { } bad)
            throw new FormatException($"the tracker '{bad}' is not a URL");
        if (publicKey.Length != DhtItem.PublicKeyLength)
            throw new FormatException($"a channel key is {DhtItem.PublicKeyLength} bytes, not {publicKey.Length}");
        if (salt.Length > DhtItem.MaxSaltLength)
            throw new FormatException($"a channel salt is at most {DhtItem.MaxSaltLength} bytes, not {salt.Length}");
        return new ChannelLink(publicKey.ToArray(), salt.ToArray(), list);
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
        var trackers = new List<string>();
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
            else if (name == "tr")
            {
                trackers.Add(value);
            }
        }
        if (key is null)
            throw new FormatException("not a channel link: no 'xs=urn:btpk:' key");
        return For(key, salt, trackers);
    }

    /// <summary>The link, key and salt in lower-case hex (the salt left out when empty).</summary>
    public override string ToString() =>
        $"{Prefix}xs={KeyUrn}{Convert.ToHexStringLower(PublicKey.Span)}" + (Salt.IsEmpty ? "" : $"&s={Convert.ToHexStringLower(Salt.Span)}") + TrackerParameters();

    /// <summary>The magnet link of <paramref name="version"/>: its info-hash and this channel's trackers.</summary>
    public string MagnetFor(ChannelVersion version)
    {
        ArgumentNullException.ThrowIfNull(version);
        return version.ToMagnetLink() + TrackerParameters();
    }

    private string TrackerParameters() => string.Concat(Trackers.Select(t => "&tr=" + Uri.EscapeDataString(t)));

    private static byte[] Hex(string text, string what)
    {
        if (text.Length % 2 != 0 || !text.All(Uri.IsHexDigit))
            throw new FormatException($"{what} is not hex: '{(text.Length > 80 ? text[..80] + "..." : text)}'");
        return Convert.FromHexString(text);
    }
}

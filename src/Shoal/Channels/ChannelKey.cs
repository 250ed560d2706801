using System.Text;
using NSec.Cryptography;

namespace Shoal.Channels;

/// <summary>
/// A publisher's Ed25519 key: it signs each version of its channels (BEP 46), and its public
/// half is what followers trust. Kept in a file as the 32-byte seed in hex (one line), readable
/// by its owner alone.
/// </summary>
public sealed class ChannelKey : IDisposable
{
    private const int SeedLength = 32;

    private ChannelKey(Key key)
    {
        Key = key;
        PublicKey = key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
    }

    internal Key Key { get; }

    /// <summary>The public key (32 bytes), as channel links name it.</summary>
    public ReadOnlyMemory<byte> PublicKey { get; }

    /// <summary>A new random key.</summary>
    public static ChannelKey Generate() => new(Key.Create(SignatureAlgorithm.Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));

    /// <summary>The key of a 32-byte seed (the same seed always gives the same key).</summary>
    public static ChannelKey FromSeed(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != SeedLength)
            throw new FormatException($"a key seed is {SeedLength} bytes, not {seed.Length}");
        return new ChannelKey(Key.Import(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey,
            new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));
    }

    /// <summary>Reads a key file; throws <see cref="FormatException"/> for anything but 64 hex digits (and whitespace).</summary>
    public static ChannelKey Load(string path)
    {
        var info = new FileInfo(path);
        if (info.Exists && info.Length > 1024)
            throw new FormatException($"{path} is not a key file ({info.Length} bytes)");
        string text = File.ReadAllText(path, Encoding.ASCII).Trim();
        if (text.Length != SeedLength * 2 || !text.All(Uri.IsHexDigit))
            throw new FormatException($"{path} is not a key file (expected {SeedLength * 2} hex digits)");
        return FromSeed(Convert.FromHexString(text));
    }

    /// <summary>Writes the key to a new file readable and writable by its owner alone (mode 0600); an existing file is never overwritten.</summary>
    public void Save(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using var file = new FileStream(path, options);
        file.Write(Encoding.ASCII.GetBytes(Convert.ToHexStringLower(Key.Export(KeyBlobFormat.RawPrivateKey)) + "\n"));
    }

    /// <summary>The link of this key's channel named <paramref name="salt"/> (none: the key's one unnamed channel).</summary>
    public ChannelLink Link(ReadOnlySpan<byte> salt = default) => ChannelLink.For(PublicKey.Span, salt);

    /// <inheritdoc/>
    public void Dispose() => Key.Dispose();
}

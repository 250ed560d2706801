using System.Security.Cryptography;
using System.Text;

namespace Shoal.Peers;

/// <summary>Azureus-style peer ids: "-SH0100-" and twelve random characters.</summary>
internal static class PeerId
{
    public const string Prefix = "-SH0100-";
    private const string Alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

    public static byte[] Create()
    {
        var id = new byte[20];
        Encoding.ASCII.GetBytes(Prefix, id);
        for (int i = Prefix.Length; i < 20; i++)
            id[i] = (byte)Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        return id;
    }

    /// <summary>A printable form of a peer id: its Azureus prefix when it has one, else hex.</summary>
    public static string Describe(ReadOnlySpan<byte> id)
    {
        if (id.Length == 20 && id[0] == '-' && id[7] == '-')
            return Encoding.ASCII.GetString(id[..8]);
        return Convert.ToHexStringLower(id[..Math.Min(8, id.Length)]);
    }
}

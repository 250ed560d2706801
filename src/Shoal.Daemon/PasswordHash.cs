using System.Security.Cryptography;
using System.Text;

namespace Shoal.Daemon;

/// <summary>
/// The RPC password as settings.json keeps it: "{pbkdf2}" then the salt and the PBKDF2-SHA256
/// hash (Transmission marks its hashed form with a leading '{' too, and hashes a plain one it finds).
/// </summary>
public static class PasswordHash
{
    private const string Prefix = "{pbkdf2}";
    private const int Iterations = 50_000;

    public static bool IsHashed(string stored) => stored.StartsWith('{');

    public static string Hash(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, Iterations, HashAlgorithmName.SHA256, 32);
        return $"{Prefix}{Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    public static bool Verify(string password, string stored)
    {
        if (!stored.StartsWith(Prefix, StringComparison.Ordinal) || stored[Prefix.Length..].Split('$') is not [var salt64, var hash64])
            return false;
        try
        {
            var expected = Convert.FromBase64String(hash64);
            var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), Convert.FromBase64String(salt64), Iterations, HashAlgorithmName.SHA256, expected.Length);
            return CryptographicOperations.FixedTimeEquals(expected, actual);
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

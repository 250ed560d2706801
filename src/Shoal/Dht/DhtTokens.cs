using System.Net;
using System.Security.Cryptography;

namespace Shoal.Dht;

/// <summary>
/// The write tokens of get_peers and announce_peer (BEP 5): a hash of the asker's address and a
/// secret that changes every <see cref="Rotation"/>; a token is accepted while its secret is the
/// current or the previous one, so it lives between one and two rotations.
/// </summary>
internal sealed class DhtTokens(TimeProvider time)
{
    public static readonly TimeSpan Rotation = TimeSpan.FromMinutes(5);
    public const int Length = 8;
    private byte[] _current = RandomNumberGenerator.GetBytes(16);
    private byte[] _previous = RandomNumberGenerator.GetBytes(16);
    private long _rotated = time.GetTimestamp();
    private readonly Lock _gate = new();

    public byte[] Issue(IPAddress asker)
    {
        lock (_gate)
        {
            RotateIfDue();
            return Token(_current, asker);
        }
    }

    public bool IsValid(byte[]? token, IPAddress asker)
    {
        if (token is not { Length: Length })
            return false;
        lock (_gate)
        {
            RotateIfDue();
            return CryptographicOperations.FixedTimeEquals(token, Token(_current, asker))
                || CryptographicOperations.FixedTimeEquals(token, Token(_previous, asker));
        }
    }

    private void RotateIfDue()
    {
        long now = time.GetTimestamp();
        if (time.GetElapsedTime(_rotated, now) < Rotation)
            return;
        // Idle for two rotations or more: both secrets are stale.
        _previous = time.GetElapsedTime(_rotated, now) < 2 * Rotation ? _current : RandomNumberGenerator.GetBytes(16);
        _current = RandomNumberGenerator.GetBytes(16);
        _rotated = now;
    }

    private static byte[] Token(byte[] secret, IPAddress asker)
    {
        var address = asker.IsIPv4MappedToIPv6 ? asker.MapToIPv4() : asker;
        return SHA256.HashData([.. secret, .. address.GetAddressBytes()])[..Length];
    }
}

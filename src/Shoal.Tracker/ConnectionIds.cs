using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;

namespace Shoal.Tracker;

/// <summary>
/// BEP 15 connection ids that keep no per-client state and cannot be forged: an HMAC of the
/// client's address under a secret that rotates every two minutes (the port is left out: a
/// client may announce from a new socket, and spoofing is about the address). An id is accepted
/// under the current or the previous secret, so it lives two to four minutes.
/// </summary>
public sealed class ConnectionIds
{
    private static readonly TimeSpan Rotation = TimeSpan.FromMinutes(2);
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private byte[] _current = RandomNumberGenerator.GetBytes(32);
    private byte[] _previous = RandomNumberGenerator.GetBytes(32);
    private long _rotatedAt;

    public ConnectionIds(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _rotatedAt = _time.GetTimestamp();
    }

    public long Issue(IPEndPoint client)
    {
        Rotate();
        return Compute(_current, client);
    }

    public bool IsValid(long id, IPEndPoint client)
    {
        Rotate();
        return id == Compute(_current, client) || id == Compute(_previous, client);
    }

    private void Rotate()
    {
        lock (_gate)
        {
            if (_time.GetElapsedTime(_rotatedAt) < Rotation)
                return;
            _previous = _current;
            _current = RandomNumberGenerator.GetBytes(32);
            _rotatedAt = _time.GetTimestamp();
        }
    }

    private static long Compute(byte[] secret, IPEndPoint client)
    {
        Span<byte> input = stackalloc byte[16];
        var address = client.Address.IsIPv4MappedToIPv6 ? client.Address.MapToIPv4() : client.Address;
        address.TryWriteBytes(input, out int written);
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(secret, input[..written], mac);
        return BinaryPrimitives.ReadInt64BigEndian(mac);
    }
}

using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;

namespace Shoal.Tracker;

/// <summary>
/// BEP 15 connection ids that keep no per-client state and cannot be forged: a keyed
/// SipHash-2-4 (a pseudo-random function, cheap enough for every datagram) of the client's
/// address under a secret that rotates every two minutes. The port is left out: a client may
/// announce from a new socket, and spoofing is about the address. An id is accepted under the
/// current or the previous secret, so it lives two to four minutes. Trackers that answer for
/// the same name (several processes on one Redis) share a secret instead: each two-minute
/// window's key is derived from it, so an id one of them issued is good at all of them.
/// </summary>
public sealed class ConnectionIds
{
    private static readonly TimeSpan Rotation = TimeSpan.FromMinutes(2);
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    /// <summary>The secret shared with other trackers, or null for keys of our own.</summary>
    private readonly byte[]? _shared;
    private volatile Keys _keys;

    private sealed record Keys(UInt128 Current, UInt128 Previous, long RotatedAt);

    public ConnectionIds(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _keys = new Keys(NewKey(), NewKey(), _time.GetTimestamp());
    }

    /// <summary>Ids that every tracker holding <paramref name="sharedSecret"/> issues and accepts alike.</summary>
    public ConnectionIds(TimeProvider? time, ReadOnlySpan<byte> sharedSecret)
    {
        if (sharedSecret.Length < 16)
            throw new ArgumentException("a shared secret needs at least 16 bytes", nameof(sharedSecret));
        _time = time ?? TimeProvider.System;
        _shared = sharedSecret.ToArray();
        _keys = new Keys(0, 0, -1);
    }

    public long Issue(PeerEndpoint client) => Compute(Current().Current, client.Address);

    public bool IsValid(long id, PeerEndpoint client)
    {
        var keys = Current();
        return id == Compute(keys.Current, client.Address) || id == Compute(keys.Previous, client.Address);
    }

    private Keys Current()
    {
        if (_shared is not null)
            return SharedKeys(_shared);
        var keys = _keys;
        if (_time.GetElapsedTime(keys.RotatedAt) < Rotation)
            return keys;
        lock (_gate)
        {
            if (_time.GetElapsedTime(_keys.RotatedAt) >= Rotation)
                _keys = new Keys(NewKey(), _keys.Current, _time.GetTimestamp());
            return _keys;
        }
    }

    /// <summary>The keys of the current window (RotatedAt holds the window's number) and of the one before.</summary>
    private Keys SharedKeys(byte[] secret)
    {
        long window = _time.GetUtcNow().ToUnixTimeSeconds() / (long)Rotation.TotalSeconds;
        var keys = _keys;
        if (keys.RotatedAt == window)
            return keys;
        lock (_gate)
        {
            if (_keys.RotatedAt != window)
                _keys = new Keys(Derive(secret, window), Derive(secret, window - 1), window);
            return _keys;
        }
    }

    private static UInt128 Derive(byte[] secret, long window)
    {
        Span<byte> input = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(input, window);
        return BinaryPrimitives.ReadUInt128LittleEndian(HMACSHA256.HashData(secret, input));
    }

    private static UInt128 NewKey() => BinaryPrimitives.ReadUInt128LittleEndian(RandomNumberGenerator.GetBytes(16));

    private static long Compute(UInt128 key, UInt128 address)
    {
        Span<byte> input = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128LittleEndian(input, address);
        return (long)SipHash24(key, input);
    }

    /// <summary>SipHash-2-4 (Aumasson and Bernstein) of <paramref name="data"/> under a 128-bit key (k0 = low half, little-endian).</summary>
    public static ulong SipHash24(UInt128 key, ReadOnlySpan<byte> data)
    {
        ulong k0 = (ulong)key, k1 = (ulong)(key >> 64);
        ulong v0 = k0 ^ 0x736f6d6570736575UL, v1 = k1 ^ 0x646f72616e646f6dUL;
        ulong v2 = k0 ^ 0x6c7967656e657261UL, v3 = k1 ^ 0x7465646279746573UL;
        int whole = data.Length & ~7;
        for (int i = 0; i < whole; i += 8)
        {
            ulong m = BinaryPrimitives.ReadUInt64LittleEndian(data[i..]);
            v3 ^= m;
            Round(ref v0, ref v1, ref v2, ref v3);
            Round(ref v0, ref v1, ref v2, ref v3);
            v0 ^= m;
        }
        ulong last = (ulong)data.Length << 56;
        for (int i = whole; i < data.Length; i++)
            last |= (ulong)data[i] << (8 * (i - whole));
        v3 ^= last;
        Round(ref v0, ref v1, ref v2, ref v3);
        Round(ref v0, ref v1, ref v2, ref v3);
        v0 ^= last;
        v2 ^= 0xff;
        for (int i = 0; i < 4; i++)
            Round(ref v0, ref v1, ref v2, ref v3);
        return v0 ^ v1 ^ v2 ^ v3;
    }

    private static void Round(ref ulong v0, ref ulong v1, ref ulong v2, ref ulong v3)
    {
        v0 += v1; v1 = BitOperations.RotateLeft(v1, 13); v1 ^= v0; v0 = BitOperations.RotateLeft(v0, 32);
        v2 += v3; v3 = BitOperations.RotateLeft(v3, 16); v3 ^= v2;
        v0 += v3; v3 = BitOperations.RotateLeft(v3, 21); v3 ^= v0;
        v2 += v1; v1 = BitOperations.RotateLeft(v1, 17); v1 ^= v2; v2 = BitOperations.RotateLeft(v2, 32);
    }
}

using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Shoal.Tracker;

/// <summary>
/// A peer's address and port as a small value: the address is kept as IPv6, an IPv4 address in
/// its mapped form (::ffff:a.b.c.d), so one key type serves both families without allocating.
/// </summary>
public readonly struct PeerEndpoint : IEquatable<PeerEndpoint>
{
    private const ulong MappedPrefix = 0xFFFF;
    // Two halves rather than a UInt128 field: 8-byte alignment keeps the peer arrays and the
    // endpoint index a third smaller than UInt128's 16-byte alignment would.
    private readonly ulong _high, _low;

    public PeerEndpoint(UInt128 address, ushort port)
    {
        _high = (ulong)(address >> 64);
        _low = (ulong)address;
        Port = port;
    }

    public UInt128 Address => new(_high, _low);

    public ushort Port { get; init; }

    public bool Equals(PeerEndpoint other) => _low == other._low && _high == other._high && Port == other.Port;

    public override bool Equals(object? obj) => obj is PeerEndpoint other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_low, _high, Port);

    public static bool operator ==(PeerEndpoint left, PeerEndpoint right) => left.Equals(right);

    public static bool operator !=(PeerEndpoint left, PeerEndpoint right) => !left.Equals(right);

    public bool IsV4 => _high == 0 && _low >> 32 == MappedPrefix;

    /// <summary>Bytes a compact entry takes: 4 + 2 or 16 + 2.</summary>
    public int CompactLength => IsV4 ? 6 : 18;

    public static PeerEndpoint From(IPAddress address, int port) => new(SiteMap.ToUInt128(address), (ushort)port);

    public static PeerEndpoint From(IPEndPoint endpoint) => From(endpoint.Address, endpoint.Port);

    /// <summary>Reads a received datagram's source without allocating.</summary>
    public static bool TryFrom(SocketAddress socketAddress, out PeerEndpoint endpoint) =>
        TryFrom(socketAddress.Family, socketAddress.Buffer.Span[..socketAddress.Size], out endpoint);

    /// <summary>Reads a raw Linux sockaddr (sockaddr_in or sockaddr_in6; the family is in host order).</summary>
    public static bool TryFromSockaddr(ReadOnlySpan<byte> raw, out PeerEndpoint endpoint)
    {
        endpoint = default;
        if (raw.Length < 2)
            return false;
        var family = MemoryMarshal.Read<ushort>(raw) switch
        {
            2 => AddressFamily.InterNetwork,
            10 => AddressFamily.InterNetworkV6,
            _ => AddressFamily.Unknown,
        };
        return TryFrom(family, raw, out endpoint);
    }

    private static bool TryFrom(AddressFamily family, ReadOnlySpan<byte> raw, out PeerEndpoint endpoint)
    {
        endpoint = default;
        switch (family)
        {
            case AddressFamily.InterNetwork when raw.Length >= 8:
                endpoint = new PeerEndpoint(((UInt128)MappedPrefix << 32) | BinaryPrimitives.ReadUInt32BigEndian(raw[4..]), BinaryPrimitives.ReadUInt16BigEndian(raw[2..]));
                return true;
            case AddressFamily.InterNetworkV6 when raw.Length >= 24:
                endpoint = new PeerEndpoint(BinaryPrimitives.ReadUInt128BigEndian(raw[8..]), BinaryPrimitives.ReadUInt16BigEndian(raw[2..]));
                return true;
            default:
                return false;
        }
    }

    /// <summary>The address bytes: 4 for IPv4, 16 for IPv6. Returns how many were written.</summary>
    public int WriteAddress(Span<byte> destination)
    {
        if (IsV4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)Address);
            return 4;
        }
        BinaryPrimitives.WriteUInt128BigEndian(destination, Address);
        return 16;
    }

    /// <summary>A compact (BEP 23 / BEP 7) entry: address then port, big-endian. Returns its length.</summary>
    public int WriteCompact(Span<byte> destination)
    {
        int n = WriteAddress(destination);
        BinaryPrimitives.WriteUInt16BigEndian(destination[n..], Port);
        return n + 2;
    }

    public IPAddress ToIPAddress()
    {
        Span<byte> bytes = stackalloc byte[16];
        int n = WriteAddress(bytes);
        return new IPAddress(bytes[..n]);
    }

    public override string ToString() => IsV4 ? $"{ToIPAddress()}:{Port}" : $"[{ToIPAddress()}]:{Port}";
}

using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Shoal.Tracker;

/// <summary>
/// The tracker side of BEP 15, pure: a request datagram in, a reply datagram out (or null to
/// stay silent). Malformed packets get an error reply when a transaction id can be read.
/// BEP 41 options after the announce are ignored.
/// </summary>
public sealed class UdpTrackerProtocol(SwarmRegistry registry, ConnectionIds ids, Func<InfoHashKey, bool> allowed, TimeSpan interval, TrackerStats stats)
{
    private const long ProtocolId = 0x41727101980;
    private const int MaxScrape = 74; // what fits in a 1500-byte reply

    public int Handle(ReadOnlySpan<byte> packet, IPEndPoint client, Span<byte> reply)
    {
        if (packet.Length < 16)
            return 0; // too short to carry a transaction id: nothing sensible to answer
        int action = BinaryPrimitives.ReadInt32BigEndian(packet[8..]);
        int transaction = BinaryPrimitives.ReadInt32BigEndian(packet[12..]);
        try
        {
            switch (action)
            {
                case 0:
                    if (BinaryPrimitives.ReadInt64BigEndian(packet) != ProtocolId)
                        throw new TrackerRequestException("bad protocol id");
                    BinaryPrimitives.WriteInt32BigEndian(reply, 0);
                    BinaryPrimitives.WriteInt32BigEndian(reply[4..], transaction);
                    BinaryPrimitives.WriteInt64BigEndian(reply[8..], ids.Issue(client));
                    stats.UdpConnect();
                    return 16;
                case 1:
                    CheckConnection(packet, client);
                    return Announce(packet, client, transaction, reply);
                case 2:
                    CheckConnection(packet, client);
                    return Scrape(packet, transaction, reply);
                default:
                    throw new TrackerRequestException($"unknown action {action}");
            }
        }
        catch (TrackerRequestException e)
        {
            stats.UdpError();
            return Error(reply, transaction, e.Message);
        }
    }

    private void CheckConnection(ReadOnlySpan<byte> packet, IPEndPoint client)
    {
        if (!ids.IsValid(BinaryPrimitives.ReadInt64BigEndian(packet), client))
            throw new TrackerRequestException("unknown or expired connection id");
    }

    private int Announce(ReadOnlySpan<byte> packet, IPEndPoint client, int transaction, Span<byte> reply)
    {
        if (packet.Length < 98)
            throw new TrackerRequestException($"announce of {packet.Length} bytes (at least 98)");
        var key = InfoHashKey.From(packet.Slice(16, 20));
        if (!allowed(key))
            throw new TrackerRequestException("torrent not served by this tracker");
        int eventCode = BinaryPrimitives.ReadInt32BigEndian(packet[80..]);
        if (eventCode is < 0 or > 3)
            throw new TrackerRequestException($"unknown event {eventCode}");
        int port = BinaryPrimitives.ReadUInt16BigEndian(packet[96..]);
        if (port == 0)
            throw new TrackerRequestException("port 0");
        long downloaded = BinaryPrimitives.ReadInt64BigEndian(packet[56..]);
        long left = BinaryPrimitives.ReadInt64BigEndian(packet[64..]);
        long uploaded = BinaryPrimitives.ReadInt64BigEndian(packet[72..]);
        int numWant = BinaryPrimitives.ReadInt32BigEndian(packet[92..]);
        var address = client.Address.IsIPv4MappedToIPv6 ? client.Address.MapToIPv4() : client.Address;
        bool v6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        int entry = v6 ? 18 : 6;
        int room = (reply.Length - 20) / entry;
        numWant = numWant < 0 ? HttpAnnounceParser.DefaultNumWant : Math.Min(numWant, HttpAnnounceParser.MaxNumWant);
        var announce = new TrackerAnnounce(key, packet.Slice(36, 20).ToArray(), address, port,
            Math.Max(0, uploaded), Math.Max(0, downloaded), Math.Max(0, left), (AnnounceEvent)eventCode, Math.Min(numWant, room), true, true);
        var result = registry.Announce(announce);
        stats.UdpAnnounce();
        BinaryPrimitives.WriteInt32BigEndian(reply, 1);
        BinaryPrimitives.WriteInt32BigEndian(reply[4..], transaction);
        BinaryPrimitives.WriteInt32BigEndian(reply[8..], (int)interval.TotalSeconds);
        BinaryPrimitives.WriteInt32BigEndian(reply[12..], result.Leechers);
        BinaryPrimitives.WriteInt32BigEndian(reply[16..], result.Seeders);
        int at = 20;
        foreach (var peer in result.Peers)
        {
            // A UDP reply carries one address family: that of the socket it came in on.
            if ((peer.Address.AddressFamily == AddressFamily.InterNetworkV6) != v6)
                continue;
            peer.Address.TryWriteBytes(reply[at..], out int written);
            BinaryPrimitives.WriteUInt16BigEndian(reply[(at + written)..], (ushort)peer.Port);
            at += entry;
        }
        return at;
    }

    private int Scrape(ReadOnlySpan<byte> packet, int transaction, Span<byte> reply)
    {
        int count = (packet.Length - 16) / 20;
        if (count == 0 || (packet.Length - 16) % 20 != 0)
            throw new TrackerRequestException("scrape must carry whole 20-byte info-hashes");
        count = Math.Min(count, MaxScrape);
        BinaryPrimitives.WriteInt32BigEndian(reply, 2);
        BinaryPrimitives.WriteInt32BigEndian(reply[4..], transaction);
        int at = 8;
        for (int i = 0; i < count; i++)
        {
            var key = InfoHashKey.From(packet.Slice(16 + i * 20, 20));
            var counts = allowed(key) ? registry.Scrape(key) : null;
            BinaryPrimitives.WriteInt32BigEndian(reply[at..], counts?.Seeders ?? 0);
            BinaryPrimitives.WriteInt32BigEndian(reply[(at + 4)..], counts?.Completed ?? 0);
            BinaryPrimitives.WriteInt32BigEndian(reply[(at + 8)..], counts?.Leechers ?? 0);
            at += 12;
        }
        stats.UdpScrape();
        return at;
    }

    private static int Error(Span<byte> reply, int transaction, string message)
    {
        BinaryPrimitives.WriteInt32BigEndian(reply, 3);
        BinaryPrimitives.WriteInt32BigEndian(reply[4..], transaction);
        int n = Encoding.UTF8.GetBytes(message.AsSpan(0, Math.Min(message.Length, 200)), reply[8..]);
        return 8 + n;
    }
}

using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Shoal.Trackers;

/// <summary>Pure BEP 15 packet writers and parsers (connect, announce, scrape, error).</summary>
internal static class UdpTrackerPacket
{
    public const long ProtocolId = 0x41727101980;
    public const int ActionConnect = 0, ActionAnnounce = 1, ActionScrape = 2, ActionError = 3;

    public static byte[] Connect(int transactionId)
    {
        var packet = new byte[16];
        BinaryPrimitives.WriteInt64BigEndian(packet, ProtocolId);
        BinaryPrimitives.WriteInt32BigEndian(packet.AsSpan(8), ActionConnect);
        BinaryPrimitives.WriteInt32BigEndian(packet.AsSpan(12), transactionId);
        return packet;
    }

    public static byte[] Announce(long connectionId, int transactionId, AnnounceRequest request)
    {
        var packet = new byte[98];
        var span = packet.AsSpan();
        BinaryPrimitives.WriteInt64BigEndian(span, connectionId);
        BinaryPrimitives.WriteInt32BigEndian(span[8..], ActionAnnounce);
        BinaryPrimitives.WriteInt32BigEndian(span[12..], transactionId);
        request.InfoHash.AsSpan(0, 20).CopyTo(span[16..]);
        request.PeerId.AsSpan(0, 20).CopyTo(span[36..]);
        BinaryPrimitives.WriteInt64BigEndian(span[56..], request.Downloaded);
        BinaryPrimitives.WriteInt64BigEndian(span[64..], request.Left);
        BinaryPrimitives.WriteInt64BigEndian(span[72..], request.Uploaded);
        BinaryPrimitives.WriteInt32BigEndian(span[80..], (int)request.Event);
        BinaryPrimitives.WriteInt32BigEndian(span[84..], 0); // our address: as seen by the tracker
        BinaryPrimitives.WriteUInt32BigEndian(span[88..], request.Key);
        BinaryPrimitives.WriteInt32BigEndian(span[92..], request.NumWant);
        BinaryPrimitives.WriteUInt16BigEndian(span[96..], (ushort)request.Port);
        return packet;
    }

    public static byte[] Scrape(long connectionId, int transactionId, ReadOnlySpan<byte> infoHash)
    {
        var packet = new byte[36];
        BinaryPrimitives.WriteInt64BigEndian(packet, connectionId);
        BinaryPrimitives.WriteInt32BigEndian(packet.AsSpan(8), ActionScrape);
        BinaryPrimitives.WriteInt32BigEndian(packet.AsSpan(12), transactionId);
        infoHash[..20].CopyTo(packet.AsSpan(16));
        return packet;
    }

    /// <summary>
    /// Checks a reply's header: false when it is not for <paramref name="transactionId"/> (ignore
    /// it); throws <see cref="TrackerException"/> for an error packet or a short or wrong-action reply.
    /// </summary>
    public static bool CheckReply(ReadOnlySpan<byte> reply, int action, int transactionId)
    {
        if (reply.Length < 8)
            throw new TrackerException($"UDP tracker reply of {reply.Length} bytes is too short");
        int gotAction = BinaryPrimitives.ReadInt32BigEndian(reply);
        if (BinaryPrimitives.ReadInt32BigEndian(reply[4..]) != transactionId)
            return false;
        if (gotAction == ActionError)
            throw new TrackerException($"tracker error: {Encoding.UTF8.GetString(reply[8..Math.Min(reply.Length, 308)])}");
        if (gotAction != action)
            throw new TrackerException($"UDP tracker replied with action {gotAction}, expected {action}");
        return true;
    }

    public static long ParseConnect(ReadOnlySpan<byte> reply)
    {
        if (reply.Length < 16)
            throw new TrackerException($"UDP connect reply of {reply.Length} bytes (expected 16)");
        return BinaryPrimitives.ReadInt64BigEndian(reply[8..]);
    }

    /// <summary>Parses an announce reply; peers are IPv6 when the tracker was reached over IPv6 (BEP 15).</summary>
    public static AnnounceResponse ParseAnnounce(ReadOnlySpan<byte> reply, bool ipv6)
    {
        if (reply.Length < 20)
            throw new TrackerException($"UDP announce reply of {reply.Length} bytes is too short");
        int interval = BinaryPrimitives.ReadInt32BigEndian(reply[8..]);
        int leechers = BinaryPrimitives.ReadInt32BigEndian(reply[12..]);
        int seeders = BinaryPrimitives.ReadInt32BigEndian(reply[16..]);
        var peers = new List<IPEndPoint>();
        var data = reply[20..];
        int entry = ipv6 ? 18 : 6;
        data = data[..(data.Length - data.Length % entry)]; // some trackers pad; ignore a partial tail
        TrackerResponse.ReadCompact(data, ipv6 ? 16 : 4, peers);
        return new AnnounceResponse(TimeSpan.FromSeconds(Math.Clamp(interval, 0, 86_400)), null, peers,
            seeders >= 0 ? seeders : null, leechers >= 0 ? leechers : null, null, null);
    }

    public static ScrapeResult ParseScrape(ReadOnlySpan<byte> reply)
    {
        if (reply.Length < 20)
            throw new TrackerException($"UDP scrape reply of {reply.Length} bytes is too short");
        return new ScrapeResult(
            BinaryPrimitives.ReadInt32BigEndian(reply[8..]),
            BinaryPrimitives.ReadInt32BigEndian(reply[12..]),
            BinaryPrimitives.ReadInt32BigEndian(reply[16..]));
    }
}

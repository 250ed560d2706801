using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Shoal.Tracker;

/// <summary>
/// The tracker side of BEP 15, pure: a request datagram in, a reply datagram out (or null to
/// stay silent). Malformed packets get an error reply when a transaction id can be read.
/// BEP 41 options after the announce are ignored.
/// </summary>
[System.Runtime.CompilerServices.SkipLocalsInit] // the peer sample buffer is written before it is read
public sealed class UdpTrackerProtocol(ISwarmStore registry, ConnectionIds ids, Func<InfoHashKey, bool> allowed, TimeSpan interval, TrackerStats stats,
    UserStore? users = null, RolloutBook? rollout = null)
{
    private readonly AnnounceGate _gate = new(registry, allowed, users, rollout);
    private const long ProtocolId = 0x41727101980;
    private const int MaxScrape = 74; // what fits in a 1500-byte reply

    public int Handle(ReadOnlySpan<byte> packet, IPEndPoint client, Span<byte> reply) => Handle(packet, PeerEndpoint.From(client), reply);

    /// <summary>Answers one datagram from <paramref name="client"/> into <paramref name="reply"/>; returns the reply's length, 0 for none. Allocates nothing for an open tracker.</summary>
    public int Handle(ReadOnlySpan<byte> packet, PeerEndpoint client, Span<byte> reply)
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

    private void CheckConnection(ReadOnlySpan<byte> packet, PeerEndpoint client)
    {
        if (!ids.IsValid(BinaryPrimitives.ReadInt64BigEndian(packet), client))
            throw new TrackerRequestException("unknown or expired connection id");
    }

    private int Announce(ReadOnlySpan<byte> packet, PeerEndpoint client, int transaction, Span<byte> reply)
    {
        if (packet.Length < 98)
            throw new TrackerRequestException($"announce of {packet.Length} bytes (at least 98)");
        var key = InfoHashKey.From(packet.Slice(16, 20));
        long? user = null;
        if (users is not null)
        {
            // A private tracker over UDP: the passkey travels in the BEP 41 URL data ("/announce/KEY").
            string? path = UrlData(packet[98..]);
            string passkey = path is not null && path.StartsWith("/announce/", StringComparison.Ordinal) ? path["/announce/".Length..].Split('?')[0] : "";
            user = users.UserOf(passkey) ?? throw new TrackerRequestException(passkey.Length == 0
                ? "private tracker: announce to /announce/<your passkey>" : "unknown passkey");
        }
        _gate.Admit(key, user);
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
        // A UDP reply carries one address family: that of the socket the request came in on.
        bool v4 = client.IsV4;
        int room = (reply.Length - 20) / (v4 ? 6 : 18);
        numWant = numWant < 0 ? HttpAnnounceParser.DefaultNumWant : Math.Min(numWant, HttpAnnounceParser.MaxNumWant);
        var announce = new TrackerAnnounce(key, PeerId20.From(packet.Slice(36, 20)), client with { Port = (ushort)port },
            Math.Max(0, uploaded), Math.Max(0, downloaded), Math.Max(0, left), (AnnounceEvent)eventCode, Math.Min(numWant, room), true, true);
        Span<SampledPeer> sample = stackalloc SampledPeer[Math.Min(room, HttpAnnounceParser.MaxNumWant)];
        var result = _gate.Record(announce, user, sample);
        stats.UdpAnnounce();
        BinaryPrimitives.WriteInt32BigEndian(reply, 1);
        BinaryPrimitives.WriteInt32BigEndian(reply[4..], transaction);
        BinaryPrimitives.WriteInt32BigEndian(reply[8..], (int)interval.TotalSeconds);
        BinaryPrimitives.WriteInt32BigEndian(reply[12..], result.Leechers);
        BinaryPrimitives.WriteInt32BigEndian(reply[16..], result.Seeders);
        int at = 20;
        foreach (var peer in sample[..result.PeerCount])
        {
            if (peer.Endpoint.IsV4 == v4)
                at += peer.Endpoint.WriteCompact(reply[at..]);
        }
        return at;
    }

    /// <summary>The BEP 41 URL data after an announce (options: 0 end, 1 no-op, 2 URL data), or null; malformed options are ignored.</summary>
    public static string? UrlData(ReadOnlySpan<byte> options)
    {
        var data = new List<byte>();
        int at = 0;
        while (at < options.Length)
        {
            byte type = options[at++];
            if (type == 0)
                break;
            if (type == 1)
                continue;
            if (at >= options.Length)
                break;
            int length = options[at++];
            if (at + length > options.Length)
                break;
            if (type == 2 && data.Count + length <= 1024)
                data.AddRange(options.Slice(at, length));
            at += length;
        }
        return data.Count == 0 ? null : Encoding.ASCII.GetString([.. data]);
    }

    private int Scrape(ReadOnlySpan<byte> packet, int transaction, Span<byte> reply)
    {
        if (users is not null)
            throw new TrackerRequestException("private tracker: scrape over HTTP with your passkey");
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

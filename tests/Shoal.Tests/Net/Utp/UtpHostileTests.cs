using System.Buffers.Binary;
using Shoal.Net.Utp;

namespace Shoal.Tests.Net.Utp;

/// <summary>Packets a hostile or broken peer sends, aimed at a live connection and at the listener.</summary>
public class UtpHostileTests
{
    /// <summary>
    /// Junk from the peer's own address with the connection's id (what a broken peer sends):
    /// acks with any numbers and selective-ack masks, broken extension chains, another version,
    /// noise. (Data it sends is its stream's data, checked by the torrent's hashes.)
    /// </summary>
    [Fact]
    public async Task Forged_acks_bad_extensions_and_noise_from_the_peer_leave_a_connection_whole()
    {
        await using var pair = new UtpPair();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var (a, b) = await pair.ConnectAsync(cts.Token);
        var random = new Random(42);
        for (int i = 0; i < 3000; i++)
        {
            var packet = new byte[26 + random.Next(0, 100)];
            random.NextBytes(packet);
            switch (i % 4)
            {
                case 0: // a well-formed ack: any seq and ack, a random selective ack
                    UtpPacket.WriteHeader(packet, new UtpHeader(UtpType.State, a.SendId, (uint)random.Next(), (uint)random.Next(), (uint)random.Next(),
                        (ushort)random.Next(65536), (ushort)random.Next(65536)), i % 8 == 0 ? [0xFF, 0xFF, 0xFF, 0xFF] : []);
                    break;
                case 1: // the right id, then a broken extension chain
                    packet[0] = 0x01;
                    packet[1] = (byte)random.Next(1, 256);
                    BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), a.SendId);
                    break;
                case 2: // the right id, version 2
                    packet[0] = 0x02;
                    BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), a.SendId);
                    break;
                default: // noise
                    break;
            }
            pair.A.Send(packet, pair.AddressB);
        }
        // The real stream still works, byte for byte.
        await UtpSocketTests.TransferAsync(a, b, TestData.Random(300_000, 9), cts.Token);
        Assert.Empty(pair.Errors);
        Assert.True(pair.B.Dropped > 0);
    }

    [Fact]
    public async Task Well_formed_packets_with_the_right_id_from_another_address_are_dropped()
    {
        await using var pair = new UtpPair();
        await using var third = new UtpPair(); // its A is a third party on another port
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var (a, b) = await pair.ConnectAsync(cts.Token);
        var packet = new byte[120];
        for (int seq = 0; seq < 65536; seq += 64)
        {
            UtpPacket.WriteHeader(packet, new UtpHeader(UtpType.Data, a.SendId, 0, 0, 1 << 20, (ushort)seq, 0), []);
            third.A.Send(packet, pair.AddressB);
        }
        var reset = new byte[20];
        UtpPacket.WriteHeader(reset, new UtpHeader(UtpType.Reset, a.SendId, 0, 0, 0, 0, 0), []);
        third.A.Send(reset, pair.AddressB);
        await Engine.EngineHarness.WaitUntilAsync(() => pair.B.Dropped >= 1025, 10, "the forged packets to be dropped");
        await UtpSocketTests.TransferAsync(a, b, TestData.Random(200_000, 10), cts.Token);
    }

    [Fact]
    public async Task A_syn_flood_from_one_address_opens_no_more_than_its_share_of_connections()
    {
        await using var pair = new UtpPair();
        var syn = new byte[20];
        for (int id = 0; id < 500; id++)
        {
            UtpPacket.WriteHeader(syn, new UtpHeader(UtpType.Syn, (ushort)(id * 2), 0, 0, 1 << 20, 1, 0), []);
            pair.A.Send(syn, pair.AddressB);
        }
        await Engine.EngineHarness.WaitUntilAsync(() => pair.B.Count == UtpMux.MaxPerAddress && pair.B.Dropped > 0, 10,
            "the flood to fill its share and the rest to be dropped");
        Assert.Equal(UtpMux.MaxPerAddress, pair.B.Count);
    }
}

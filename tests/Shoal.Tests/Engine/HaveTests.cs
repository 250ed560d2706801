using System.Net;
using System.Net.Sockets;
using Shoal.Wire;

namespace Shoal.Tests.Engine;

/// <summary>Which of our haves go out at once, and which wait until we finish.</summary>
public class HaveTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_peer_that_has_a_piece_hears_our_have_of_it_only_once_we_finish()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 8 * 32 * 1024)]); // 8 pieces
        var seeder = await h.ClientAsync();
        var seed = seeder.Add(torrent, seedDir);
        await seed.StartAsync();
        await EngineHarness.WaitCompleteAsync(seed);
        var leecher = await h.ClientAsync();
        var leech = leecher.Add(torrent, h.NewDir());
        await leech.StartAsync();

        // The watcher has pieces 0-3, chokes the leech and lets it fetch everything from the seed.
        using var watcher = await ScriptedPeer.ConnectAsync(EngineHarness.EndPoint(leecher), torrent.InfoHashes.Primary.Span.ToArray());
        await watcher.SendAsync(b => PeerWire.WritePayload(b, MessageId.Bitfield, [0b1111_0000]));
        leech.AddPeer(EngineHarness.EndPoint(seeder));

        var haves = new List<int>();
        while (haves.Distinct().Count() < 8)
        {
            var message = await watcher.ReadAsync(Wait);
            Assert.True(message is not null, $"the leech hung up; haves so far: {string.Join(", ", haves)}");
            if (message.Value.Id == MessageId.Have)
                haves.Add(message.Value.Index);
        }

        // Pieces 4-7 were announced as they passed; 0-3 only after all of them (the leech was done).
        int lastLacking = Enumerable.Range(4, 4).Max(haves.IndexOf);
        int firstHeld = Enumerable.Range(0, 4).Min(haves.IndexOf);
        Assert.True(firstHeld > lastLacking, $"haves in order: {string.Join(", ", haves)}");
        await EngineHarness.WaitCompleteAsync(leech);
    }

    [Fact]
    public async Task A_peer_that_sent_us_a_piece_it_offered_hears_our_have_of_it_at_once()
    {
        // A superseeding seed offers one piece with a have and waits for the peer's have of it.
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 4 * 32 * 1024)]);
        byte[] content = File.ReadAllBytes(Path.Combine(seedDir, "data.bin"));
        var leecher = await h.ClientAsync();
        var leech = leecher.Add(torrent, h.NewDir());
        await leech.StartAsync();
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            leech.AddPeer((IPEndPoint)listener.LocalEndpoint);
            using var offerer = await ScriptedPeer.AcceptAsync(listener, torrent.InfoHashes.Primary.Span.ToArray());
            await offerer.SendAsync(b => PeerWire.WriteSimple(b, MessageId.HaveNone));
            await offerer.SendAsync(b => PeerWire.WriteIndex(b, MessageId.Have, 2));

            while (await offerer.ReadAsync(Wait) is { } message)
            {
                if (message.Id == MessageId.Have)
                {
                    Assert.Equal(2, message.Index);
                    Assert.False(leech.GetStatus().IsFinished);
                    return;
                }
                if (message.Id == MessageId.Interested)
                    await offerer.SendAsync(b => PeerWire.WriteSimple(b, MessageId.Unchoke));
                if (message.Id == MessageId.Request)
                {
                    Assert.Equal(2, message.Index);
                    var block = new byte[13 + message.Length];
                    int header = PeerWire.WritePieceHeader(block, message.Index, message.Begin, message.Length);
                    content.AsSpan(message.Index * 32 * 1024 + message.Begin, message.Length).CopyTo(block.AsSpan(header));
                    await offerer.SendAsync(block[..(header + message.Length)]);
                }
            }
            Assert.Fail("the leech hung up before it said it has the offered piece");
        }
        finally
        {
            listener.Stop();
        }
    }
}

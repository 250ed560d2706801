using Shoal.Metainfo;
using Shoal.Wire;

namespace Shoal.Tests.Engine;

public class SuperSeedingTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private const int PieceLength = 32 * 1024;

    private static async Task<(EngineHarness H, Torrent Torrent, string SeedDir, ShoalClient Seeder, TorrentSession Seed)> SuperSeedAsync(int pieces, bool initial = false)
    {
        var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", pieces * PieceLength)], pieceLength: PieceLength);
        var seeder = await h.ClientAsync();
        var seed = seeder.Add(torrent, seedDir, new TorrentOptions { SuperSeeding = !initial, InitialSeeding = initial });
        await seed.StartAsync();
        await EngineHarness.WaitCompleteAsync(seed);
        return (h, torrent, seedDir, seeder, seed);
    }

    /// <summary>Connects a scripted peer and reads its greeting up to the first have; returns the peer, the piece and the messages before it.</summary>
    private static async Task<(ScriptedPeer Peer, int Piece, List<MessageId> Before)> JoinAsync(ShoalClient seeder, Torrent torrent, int n)
    {
        var peer = await ScriptedPeer.ConnectAsync(EngineHarness.EndPoint(seeder), torrent.InfoHashes.Primary.Span.ToArray(), id: ScriptedPeer.NumberedId(n));
        var before = new List<MessageId>();
        while (await peer.ReadAsync(Wait) is { } m)
        {
            if (m.Id == MessageId.Have)
                return (peer, m.Index, before);
            before.Add(m.Id);
        }
        throw new IOException("closed before any have");
    }

    private static async Task<(MessageId Id, int Index, int Begin, int Length)> ReadUntilAsync(ScriptedPeer peer, params MessageId[] ids)
    {
        while (await peer.ReadAsync(Wait) is { } m)
        {
            if (ids.Contains(m.Id))
                return m;
        }
        throw new IOException($"closed before {string.Join("/", ids)}");
    }

    /// <summary>Says interested and waits to be unchoked; the haves on the way go to <paramref name="haves"/>.</summary>
    private static async Task InterestedAsync(ScriptedPeer peer, List<int>? haves = null)
    {
        await peer.SendAsync(b => PeerWire.WriteSimple(b, MessageId.Interested));
        while (true)
        {
            var m = await ReadUntilAsync(peer, MessageId.Unchoke, MessageId.Have);
            if (m.Id == MessageId.Unchoke)
                return;
            haves?.Add(m.Index);
        }
    }

    private static async Task<int> FetchBlockAsync(ScriptedPeer peer, int piece, int begin, List<int> haves)
    {
        await peer.SendAsync(b => PeerWire.WriteBlock(b, MessageId.Request, piece, begin, 16384));
        while (await peer.ReadAsync(Wait) is { } m)
        {
            if (m.Id == MessageId.Have)
                haves.Add(m.Index);
            if (m.Id == MessageId.Piece)
                return m.Index;
        }
        throw new IOException("closed before the block");
    }

    [Fact]
    public async Task A_peer_is_greeted_with_nothing_and_told_of_its_next_piece_only_once_another_peer_has_its_last()
    {
        var (h, torrent, _, seeder, _) = await SuperSeedAsync(pieces: 8);
        await using var _h = h;
        var (a, pieceA, greeting) = await JoinAsync(seeder, torrent, 1);
        using var _a = a;
        Assert.Contains(MessageId.HaveNone, greeting);
        Assert.DoesNotContain(MessageId.Bitfield, greeting);
        Assert.DoesNotContain(MessageId.HaveAll, greeting);
        Assert.DoesNotContain(MessageId.AllowedFast, greeting);
        var (b, pieceB, _) = await JoinAsync(seeder, torrent, 2);
        using var _b = b;
        Assert.NotEqual(pieceA, pieceB);

        var early = new List<int>();
        await InterestedAsync(a, early);
        Assert.Equal(pieceA, await FetchBlockAsync(a, pieceA, 0, early));
        Assert.Equal(pieceA, await FetchBlockAsync(a, pieceA, 16384, early));
        await a.SendAsync(b => PeerWire.WriteIndex(b, MessageId.Have, pieceA));
        await FetchBlockAsync(a, pieceA, 0, early); // anything the have set off is queued before this block
        Assert.Empty(early); // a has the piece, but nobody else does yet

        await b.SendAsync(m => PeerWire.WriteIndex(m, MessageId.Have, pieceA)); // a passed it to b
        var next = await ReadUntilAsync(a, MessageId.Have);
        Assert.DoesNotContain(next.Index, new[] { pieceA, pieceB });

        var (c, pieceC, _) = await JoinAsync(seeder, torrent, 3);
        using var _c = c;
        Assert.DoesNotContain(pieceC, new[] { pieceA, pieceB, next.Index });
    }

    [Fact]
    public async Task A_request_for_a_piece_the_peer_was_not_told_of_closes_it()
    {
        var (h, torrent, _, seeder, _) = await SuperSeedAsync(pieces: 8);
        await using var _h = h;
        var (a, pieceA, _) = await JoinAsync(seeder, torrent, 1);
        using var _a = a;
        await InterestedAsync(a);

        await a.SendAsync(b => PeerWire.WriteBlock(b, MessageId.Request, (pieceA + 1) % 8, 0, 16384));

        Assert.True(await a.ClosedByPeerAsync(Wait), "the seed served a piece it had not announced");
    }

    [Fact]
    public async Task A_peer_that_connected_before_the_data_was_checked_is_superseeded_too()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("data.bin", [("data.bin", 8 * PieceLength)], pieceLength: PieceLength);
        var seeder = await h.ClientAsync();
        var seed = seeder.Add(MagnetLink.Parse(torrent.ToMagnetLink().ToString()), seedDir, new TorrentOptions { SuperSeeding = true });
        await seed.StartAsync();
        await EngineHarness.WaitUntilAsync(() => seed.State == TorrentState.AwaitingMetadata, 10, "awaiting metadata");
        using var peer = await ScriptedPeer.ConnectAsync(EngineHarness.EndPoint(seeder), torrent.InfoHashes.Primary.Span.ToArray());
        Assert.Equal(MessageId.HaveNone, (await ReadUntilAsync(peer, MessageId.HaveNone, MessageId.Bitfield, MessageId.HaveAll)).Id);
        await EngineHarness.WaitUntilAsync(() => seed.GetPeers().Count == 1, 10, "the peer to be attached");

        seed.SetMetadata(torrent); // the data is found whole: seeding, superseeding
        await EngineHarness.WaitCompleteAsync(seed);

        int first = (await ReadUntilAsync(peer, MessageId.Have)).Index;
        var more = new List<int>();
        await InterestedAsync(peer, more);
        Assert.Equal(first, await FetchBlockAsync(peer, first, 0, more));
        Assert.Empty(more); // one piece, not our whole bitfield as haves
    }

    [Fact]
    public async Task Turning_superseeding_off_tells_each_peer_of_every_other_piece()
    {
        var (h, torrent, _, seeder, seed) = await SuperSeedAsync(pieces: 8);
        await using var _h = h;
        var (a, pieceA, _) = await JoinAsync(seeder, torrent, 1);
        using var _a = a;

        seed.SuperSeeding = false;

        var told = new HashSet<int> { pieceA };
        while (told.Count < 8)
            told.Add((await ReadUntilAsync(a, MessageId.Have)).Index);
        Assert.Equal(Enumerable.Range(0, 8), told.Order());
    }

    [Fact]
    public async Task Initial_seeding_ends_once_the_peers_together_hold_every_piece_and_then_tells_them_of_the_rest()
    {
        var (h, torrent, _, seeder, seed) = await SuperSeedAsync(pieces: 2, initial: true);
        await using var _h = h;
        Assert.True(seed.SuperSeeding);
        var (a, pieceA, _) = await JoinAsync(seeder, torrent, 1);
        using var _a = a;
        var (b, pieceB, _) = await JoinAsync(seeder, torrent, 2);
        using var _b = b;
        Assert.NotEqual(pieceA, pieceB);

        // Each says it got its piece: together they hold both, so the seed seeds as usual.
        await a.SendAsync(w => PeerWire.WriteIndex(w, MessageId.Have, pieceA));
        await b.SendAsync(w => PeerWire.WriteIndex(w, MessageId.Have, pieceB));
        Assert.Equal(pieceB, (await ReadUntilAsync(a, MessageId.Have)).Index);
        Assert.Equal(pieceA, (await ReadUntilAsync(b, MessageId.Have)).Index);
        Assert.False(seed.SuperSeeding);

        // A peer that comes now is greeted with everything.
        using var c = await ScriptedPeer.ConnectAsync(EngineHarness.EndPoint(seeder), torrent.InfoHashes.Primary.Span.ToArray(), id: ScriptedPeer.NumberedId(3));
        var greeting = await ReadUntilAsync(c, MessageId.HaveAll, MessageId.Bitfield, MessageId.Have);
        Assert.NotEqual(MessageId.Have, greeting.Id);
    }

    [Fact]
    public async Task Leechers_complete_from_a_superseeding_seed_that_sends_each_piece_out_about_once()
    {
        var (h, torrent, seedDir, seeder, seed) = await SuperSeedAsync(pieces: 64);
        await using var _h = h;
        var clients = new List<ShoalClient>();
        for (int i = 0; i < 4; i++)
            clients.Add(await h.ClientAsync());
        var leeches = clients.Select(c => c.Add(torrent, h.NewDir(), new TorrentOptions
        {
            Peers = [EngineHarness.EndPoint(seeder), .. clients.Where(o => o != c).Select(EngineHarness.EndPoint)],
        })).ToList();
        foreach (var leech in leeches)
            await leech.StartAsync();

        foreach (var leech in leeches)
        {
            await EngineHarness.WaitCompleteAsync(leech);
            EngineHarness.AssertSameFiles(torrent, seedDir, leech.SaveDirectory);
        }
        double copies = (double)seed.GetStatus().Uploaded / torrent.DataSize;
        Assert.True(copies < 1.5, $"the seed sent {copies:0.00} copies to four peers that trade among themselves");
    }
}

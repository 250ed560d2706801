using System.Net;
using Shoal.Metainfo;
using Shoal.Peers;
using Shoal.Storage;
using Shoal.Swarm;

namespace Shoal.Tests.Engine;

/// <summary>A peer that is not a wire connection (what a web seed will be) is scheduled like any other.</summary>
public class PeerLinkTests
{
    /// <summary>Serves blocks from a folder on disk, each on the thread pool, as an HTTP server would.</summary>
    private sealed class FolderLink(Torrent torrent, string folder, IPeerLinkSink sink, Func<BlockRequest, bool>? refuse = null) : IPeer, IDisposable
    {
        private readonly TorrentStorage _storage = new(torrent, folder);
        private int _closed;
        public int Served;
        public IPEndPoint EndPoint { get; } = new(IPAddress.Loopback, 1);
        public string Client => "folder link";
        public bool IsClosed => Volatile.Read(ref _closed) != 0;

        public void Request(BlockRequest request) => _ = Task.Run(() =>
        {
            if (IsClosed)
                return;
            if (refuse?.Invoke(request) == true)
            {
                sink.OnRejected(this, request);
                return;
            }
            var data = new byte[request.Length];
            _storage.Read(request.Piece, request.Begin, data);
            Interlocked.Increment(ref Served);
            sink.OnBlock(this, request, data);
        });

        public void Cancel(BlockRequest request)
        {
        }

        public void Interested(bool interested)
        {
        }

        public void Choke(bool choke)
        {
        }

        public void Have(int piece, bool now)
        {
        }

        public void Close(string reason)
        {
            if (Interlocked.Exchange(ref _closed, 1) != 0)
                return;
            _storage.Dispose();
            sink.OnClosed(this, reason);
        }

        public override string ToString() => "folder link";

        public void Dispose() => Close("disposed");
    }

    [Fact]
    public async Task A_torrent_completes_from_a_registered_non_wire_peer_alone()
    {
        await using var h = new EngineHarness();
        var (torrent, seedDir) = await h.CreateAsync("album", [("a.bin", 150_000), ("b/c.bin", 90_000)], version: TorrentVersion.Hybrid);
        var leecher = await h.ClientAsync();
        var links = new List<FolderLink>();
        int refused = 0;
        leecher.AddPeerLinks((session, metadata, sink) =>
        {
            // Refuses each block once at first, as a busy server might: the block is asked again.
            var seen = new HashSet<BlockRequest>();
            var link = new FolderLink(metadata, seedDir, sink, request =>
            {
                lock (seen)
                {
                    if (!seen.Add(request))
                        return false;
                }
                return Interlocked.Increment(ref refused) <= 5;
            });
            links.Add(link);
            return [link];
        });
        var leech = leecher.Add(torrent, h.NewDir()); // no trackers, no peers: only the link
        await leech.StartAsync();
        await EngineHarness.WaitCompleteAsync(leech);
        EngineHarness.AssertSameFiles(torrent, seedDir, leech.SaveDirectory);
        Assert.True(Volatile.Read(ref refused) >= 5);
        Assert.True(links.Single().Served > 0);
        // Seeding now: the link is no longer needed and was let go.
        await EngineHarness.WaitUntilAsync(() => links.Single().IsClosed, 10, "the link to be closed once seeding");
    }
}

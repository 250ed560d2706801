using System.Net;
using Shoal.Metainfo;
using Shoal.Peers;
using Shoal.Swarm;

namespace Shoal.WebSeeds;

/// <summary>
/// An HTTP seed as a peer (BEP 19 url-list or BEP 17 httpseeds; its <see cref="WebSeedFetcher"/>
/// knows how to ask): it has every piece and never chokes; the blocks the scheduler asks of it
/// are gathered into runs of contiguous data (within one piece for BEP 17), one request at a
/// time per server. An answer that is not what was asked (200 without a range, a wrong length),
/// an HTTP error or a stall gives the blocks back to be asked elsewhere and waits before trying
/// again, longer each time (2, 4, 8, 16 s); after <see cref="MaxFailures"/> failures in a row the
/// link closes. A 503 that says when to come back is waited out without counting as a failure.
/// Its data is hash-checked like any peer's, so a server that sends bad data is banned like one.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "Its loop may still hold the token when it closes; both are small and die with it.")]
internal sealed class WebSeedLink : IPeer
{
    public const int MaxFailures = 5;
    /// <summary>The most data fetched in one go (a run of blocks).</summary>
    public const int MaxRun = 4 << 20;
    private static readonly TimeSpan Stall = TimeSpan.FromSeconds(30);

    private readonly WebSeedFetcher _fetcher;
    private readonly Torrent _torrent;
    private readonly IPeerLinkSink _sink;
    private readonly TimeProvider _time;
    private readonly List<BlockRequest> _queue = [];
    private readonly SemaphoreSlim _work = new(0);
    private readonly CancellationTokenSource _closing = new();
    private int _closed;

    public WebSeedLink(WebSeedFetcher fetcher, Torrent torrent, IPeerLinkSink sink, TimeProvider time)
    {
        _fetcher = fetcher;
        _torrent = torrent;
        _sink = sink;
        _time = time;
        var uri = new Uri(fetcher.Url);
        EndPoint = new IPEndPoint(IPAddress.Any, uri.Port);
        HostAddress = IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) ? address : null;
        Client = $"web seed {uri.Host}";
        sink.Own($"web seed {fetcher.Url}", Task.Run(RunAsync));
    }

    /// <summary>The most servers of each kind used for one torrent.</summary>
    public const int MaxServers = 8;

    /// <summary>A link to the web seed at <paramref name="url"/> on the client's HTTP client; null for a BEP 17 seed of a torrent without a v1 hash.</summary>
    public static WebSeedLink? For(ShoalClient client, Torrent torrent, string url, WebSeedKind kind, IPeerLinkSink sink)
    {
        WebSeedFetcher? fetcher = kind switch
        {
            WebSeedKind.UrlList => new UrlListFetcher(url, torrent, client.Http, client.Time),
            _ => HttpSeedFetcher.Serves(torrent) ? new HttpSeedFetcher(url, torrent, client.Http) : null,
        };
        return fetcher is null ? null : new WebSeedLink(fetcher, torrent, sink, client.Time);
    }

    public IPEndPoint EndPoint { get; }
    /// <summary>The server's address when the URL names it by address (for locality); null for a host name.</summary>
    public IPAddress? HostAddress { get; }
    public string Client { get; }
    public bool IsClosed => Volatile.Read(ref _closed) != 0;
    public int Failures { get; private set; }

    public void Request(BlockRequest request)
    {
        lock (_queue)
            _queue.Add(request);
        _work.Release();
    }

    public void Cancel(BlockRequest request)
    {
        lock (_queue)
            _queue.Remove(request);
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
        _closing.Cancel();
        _sink.OnClosed(this, reason);
    }

    public override string ToString() => _fetcher.Url;

    private async Task RunAsync()
    {
        try
        {
            while (!IsClosed)
            {
                await _work.WaitAsync(_closing.Token).ConfigureAwait(false);
                var run = TakeRun();
                if (run.Count == 0)
                    continue;
                try
                {
                    byte[] data;
                    using (var stallTimer = new CancellationTokenSource(Stall, _time)) // on the client's clock, like every wait
                    using (var stall = CancellationTokenSource.CreateLinkedTokenSource(_closing.Token, stallTimer.Token))
                        data = await _fetcher.FetchAsync(Offset(run[0]), run.Sum(b => b.Length), stall.Token).ConfigureAwait(false);
                    Failures = 0;
                    int at = 0;
                    foreach (var block in run)
                    {
                        _sink.OnBlock(this, block, data.AsSpan(at, block.Length));
                        at += block.Length;
                    }
                }
                catch (RetryLaterException busy) when (busy.After is { } after)
                {
                    foreach (var block in run)
                        _sink.OnRejected(this, block);
                    await Task.Delay(after, _time, _closing.Token).ConfigureAwait(false); // the server said when: not a failure
                }
                catch (Exception e) when (e is HttpRequestException or IOException or InvalidDataException or RetryLaterException
                    || (e is OperationCanceledException && !_closing.IsCancellationRequested))
                {
                    foreach (var block in run)
                        _sink.OnRejected(this, block);
                    if (++Failures >= MaxFailures)
                    {
                        Close($"web seed failed {Failures} times, last: {e.Message}");
                        return;
                    }
                    // Back off: 2, 4, 8, 16 s. What is asked meanwhile waits for the next try (the
                    // scheduler's time-outs move it to a faster source if there is one).
                    await Task.Delay(TimeSpan.FromSeconds(1 << Failures), _time, _closing.Token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested)
        {
        }
        RejectQueued();
    }

    /// <summary>The longest run of contiguous blocks queued (in piece space order), up to <see cref="MaxRun"/> (and within a piece when the fetcher needs that).</summary>
    private List<BlockRequest> TakeRun()
    {
        lock (_queue)
        {
            if (_queue.Count == 0)
                return [];
            _queue.Sort((a, b) => Offset(a).CompareTo(Offset(b)));
            var run = new List<BlockRequest> { _queue[0] };
            long end = Offset(_queue[0]) + _queue[0].Length;
            long size = _queue[0].Length;
            for (int i = 1; i < _queue.Count && Offset(_queue[i]) == end && size + _queue[i].Length <= MaxRun
                && (!_fetcher.PieceBound || _queue[i].Piece == _queue[0].Piece); i++)
            {
                run.Add(_queue[i]);
                end += _queue[i].Length;
                size += _queue[i].Length;
            }
            _queue.RemoveRange(0, run.Count);
            return run;
        }
    }

    private void RejectQueued()
    {
        List<BlockRequest> queued;
        lock (_queue)
        {
            queued = [.. _queue];
            _queue.Clear();
        }
        foreach (var block in queued)
            _sink.OnRejected(this, block);
    }

    private long Offset(BlockRequest block) => ((long)block.Piece * _torrent.PieceLength) + block.Begin;
}

using System.Net;
using System.Net.Http.Headers;
using Shoal.Metainfo;
using Shoal.Peers;
using Shoal.Swarm;

namespace Shoal.WebSeeds;

/// <summary>
/// A BEP 19 web seed as a peer: it has every piece and never chokes; the blocks the scheduler
/// asks of it are gathered into runs of contiguous data and fetched with HTTP range requests, one
/// per file a run touches (padding files are zeros, never asked for), one request at a time per
/// server. An answer that is not the asked range (200 without a range, a wrong length), an HTTP
/// error or a stall gives the blocks back to be asked elsewhere and waits before trying again,
/// longer each time (2, 4, 8, 16 s); after <see cref="MaxFailures"/> failures in a row the link closes. Its data is
/// hash-checked like any peer's, so a server that sends bad data is banned like one.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "Its loop may still hold the token when it closes; both are small and die with it.")]
internal sealed class WebSeedLink : IPeer
{
    public const int MaxFailures = 5;
    /// <summary>The most data fetched in one go (a run of blocks).</summary>
    public const int MaxRun = 4 << 20;
    private static readonly TimeSpan Stall = TimeSpan.FromSeconds(30);

    private readonly string _url;
    private readonly Torrent _torrent;
    private readonly IPeerLinkSink _sink;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly List<BlockRequest> _queue = [];
    private readonly SemaphoreSlim _work = new(0);
    private readonly CancellationTokenSource _closing = new();
    private int _closed;

    public WebSeedLink(string url, Torrent torrent, IPeerLinkSink sink, HttpClient http, TimeProvider time)
    {
        _url = url;
        _torrent = torrent;
        _sink = sink;
        _http = http;
        _time = time;
        var uri = new Uri(url);
        EndPoint = new IPEndPoint(IPAddress.Any, uri.Port);
        Client = $"web seed {uri.Host}";
        _ = Task.Run(RunAsync);
    }

    /// <summary>The registration: a link per usable url-list entry of a torrent, on the client's HTTP client.</summary>
    public static IEnumerable<IPeer> Create(TorrentSession session, Torrent torrent, IPeerLinkSink sink) =>
        torrent.WebSeeds.Concat(session.Identity.WebSeeds).Distinct().Where(WebSeedUrl.IsUsable).Take(8)
            .Select(url => new WebSeedLink(url, torrent, sink, session.Client.Http, session.Client.Time)).ToList();

    public IPEndPoint EndPoint { get; }
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

    public void Have(int piece)
    {
    }

    public void Close(string reason)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
            return;
        _closing.Cancel();
        _sink.OnClosed(this, reason);
    }

    public override string ToString() => _url;

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
                    var data = await FetchAsync(run).ConfigureAwait(false);
                    Failures = 0;
                    int at = 0;
                    foreach (var block in run)
                    {
                        _sink.OnBlock(this, block, data.AsSpan(at, block.Length));
                        at += block.Length;
                    }
                }
                catch (Exception e) when (e is HttpRequestException or IOException or InvalidDataException
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

    /// <summary>The longest run of contiguous blocks queued (in piece space order), up to <see cref="MaxRun"/>.</summary>
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
            for (int i = 1; i < _queue.Count && Offset(_queue[i]) == end && size + _queue[i].Length <= MaxRun; i++)
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

    /// <summary>Fetches a run's bytes, one range request per file it touches (padding files are zeros).</summary>
    private async Task<byte[]> FetchAsync(List<BlockRequest> run)
    {
        long start = Offset(run[0]);
        int length = run.Sum(b => b.Length);
        var data = new byte[length]; // padding files (never in the ranges) stay zeros
        foreach (var range in _torrent.Space.Ranges(start, length))
        {
            var url = WebSeedUrl.For(_url, _torrent, _torrent.Files[range.File]);
            await FetchRangeAsync(url, range.FileOffset, data.AsMemory(range.BufferOffset, range.Length)).ConfigureAwait(false);
        }
        return data;
    }

    private async Task FetchRangeAsync(Uri url, long offset, Memory<byte> into)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Range = new RangeHeaderValue(offset, offset + into.Length - 1);
        using var stallTimer = new CancellationTokenSource(Stall, _time); // on the client's clock, like every wait
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(_closing.Token, stallTimer.Token);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stall.Token).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.PartialContent)
        {
            throw response.IsSuccessStatusCode
                ? new InvalidDataException($"{url}: HTTP {(int)response.StatusCode} without the range asked for")
                : new HttpRequestException($"{url}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
        }
        if (response.Content.Headers.ContentRange is { } answered && (answered.From != offset || answered.To != offset + into.Length - 1))
            throw new InvalidDataException($"{url}: the server sent bytes {answered.From}-{answered.To}, not {offset}-{offset + into.Length - 1}");
        await using var body = await response.Content.ReadAsStreamAsync(stall.Token).ConfigureAwait(false);
        int read = 0;
        while (read < into.Length)
        {
            int n = await body.ReadAsync(into[read..], stall.Token).ConfigureAwait(false);
            if (n == 0)
                throw new InvalidDataException($"{url}: the answer ended after {read} of {into.Length} bytes");
            read += n;
        }
        if (await body.ReadAsync(new byte[1], stall.Token).ConfigureAwait(false) != 0)
            throw new InvalidDataException($"{url}: the answer is longer than the {into.Length} bytes asked for");
    }
}

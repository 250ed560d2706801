using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Shoal.Metainfo;

namespace Shoal.Bench.Crowd;

/// <summary>What a leecher does besides downloading.</summary>
internal enum LeecherKind
{
    Normal,
    /// <summary>Leaves once in the window and comes back 1-3 s later.</summary>
    Churner,
    /// <summary>Asks for blocks and never reads them.</summary>
    Staller,
    /// <summary>Hangs up in the middle of its first piece, for good.</summary>
    Dropper,
}

/// <summary>
/// One synthetic leecher: its own source address, the handshakes, interest, then blocks of random
/// pieces asked for at its paced rate and each completed piece checked against its SHA-1.
/// </summary>
internal sealed class Leecher(int index, LeecherKind kind, CrowdRun run) : IDisposable
{
    private const int BlockSize = 16384;
    private const int MaxMessage = 1 << 20;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Random _random = new(index);
    private bool _unchoked;
    private bool _fast;
    private bool _servedHere; // unchoked at least once on this connection
    private int _outstanding;
    private int _piece = -1; // the piece being fetched
    private int _requestedTo; // bytes of it asked for
    private int _receivedTo; // bytes of it received, in order
    private IncrementalHash? _hash;

    public LeecherKind Kind => kind;
    /// <summary>Stopwatch time of the first connect, of the first handshake answered, of the first block (0: not yet).</summary>
    public long FirstConnect { get; private set; }
    public List<double> HandshakeSeconds { get; } = [];
    public long FirstBlockAt { get; private set; }
    public long Bytes { get; private set; }
    public int GoodPieces { get; private set; }
    public int BadPieces { get; private set; }
    public int Refusals { get; private set; }
    public int ClosedBySeed { get; private set; }

    private double RateEach => run.Options.RateTotal / run.Options.Leechers;

    public async Task RunAsync(TimeSpan arrival, CancellationToken token)
    {
        await Task.Delay(arrival, token).ConfigureAwait(false);
        bool again = kind == LeecherKind.Churner;
        while (!token.IsCancellationRequested)
        {
            using var leave = CancellationTokenSource.CreateLinkedTokenSource(token);
            if (again)
                leave.CancelAfter(TimeSpan.FromSeconds(_random.NextDouble() * run.Options.WindowSeconds / 2 + 1));
            bool connected = await ConnectOnceAsync(leave.Token, token).ConfigureAwait(false);
            if (token.IsCancellationRequested)
                return;
            if (!connected || kind == LeecherKind.Dropper)
                return; // a refused leecher is counted, not retried: the crowd is a fixed set of arrivals
            if (!again)
                return;
            again = false;
            await Task.Delay(TimeSpan.FromSeconds(1 + 2 * _random.NextDouble()), token).ConfigureAwait(false);
        }
    }

    /// <summary>One connection, until it is closed, left, or the run ends; false when it was refused.</summary>
    private async Task<bool> ConnectOnceAsync(CancellationToken leave, CancellationToken end)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (kind == LeecherKind.Staller)
            socket.ReceiveBufferSize = 4096;
        long start = Stopwatch.GetTimestamp();
        if (FirstConnect == 0)
            FirstConnect = start;
        bool handshaken = false;
        _servedHere = false;
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(leave);
        try
        {
            socket.Bind(new IPEndPoint(CrowdOptions.SourceOf(index), 0));
            connection.CancelAfter(TimeSpan.FromSeconds(10)); // for the connect and the handshake
            await socket.ConnectAsync(run.Options.Target, connection.Token).ConfigureAwait(false);
            await socket.SendAsync(Handshake(), connection.Token).ConfigureAwait(false);
            var reader = PipeReader.Create(new NetworkStream(socket, ownsSocket: false), new StreamPipeReaderOptions(bufferSize: 16384, minimumReadSize: 4096));
            var reserved = await ReadHandshakeAsync(reader, connection.Token).ConfigureAwait(false);
            if (reserved is null)
            {
                Refuse();
                return false;
            }
            connection.CancelAfter(Timeout.InfiniteTimeSpan);
            handshaken = true;
            HandshakeSeconds.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
            _fast = (reserved[7] & 0x04) != 0;
            await StartAsync(socket, (reserved[5] & 0x10) != 0, connection.Token).ConfigureAwait(false);
            var requests = RequestLoopAsync(socket, connection.Token);
            bool seedClosed = await ReadLoopAsync(reader, connection.Token).ConfigureAwait(false);
            if (seedClosed && !leave.IsCancellationRequested)
                Closed();
            await connection.CancelAsync().ConfigureAwait(false);
            await requests.ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException)
        {
            if (handshaken)
            {
                if (!leave.IsCancellationRequested)
                    Closed();
                return true;
            }
            if (!end.IsCancellationRequested)
                Refuse(); // refused, reset, or no answer within 10 s
            return false;
        }
        finally
        {
            lock (_gate)
            {
                _unchoked = false;
                _outstanding = 0;
                _piece = -1;
            }
        }
    }

    /// <summary>The seed closed the connection: a refusal when it never unchoked us on it.</summary>
    private void Closed()
    {
        if (_servedHere)
            ClosedBySeed++;
        else
            Refuse();
    }

    private void Refuse()
    {
        Refusals++;
        run.NoteRefusal();
    }

    private byte[] Handshake()
    {
        var message = new byte[68];
        message[0] = 19;
        "BitTorrent protocol"u8.CopyTo(message.AsSpan(1));
        message[25] = 0x10; // extension protocol (BEP 10)
        message[27] = 0x04; // fast extension (BEP 6)
        run.InfoHash.CopyTo(message.AsSpan(28));
        System.Text.Encoding.ASCII.GetBytes($"-CR0001-{index:D12}").CopyTo(message.AsSpan(48));
        return message;
    }

    /// <summary>The seed's reserved bytes, or null when it closed or answered for another torrent.</summary>
    private async Task<byte[]?> ReadHandshakeAsync(PipeReader reader, CancellationToken token)
    {
        while (true)
        {
            var read = await reader.ReadAsync(token).ConfigureAwait(false);
            if (read.Buffer.Length >= 68)
            {
                var bytes = read.Buffer.Slice(0, 68).ToArray();
                reader.AdvanceTo(read.Buffer.GetPosition(68));
                return bytes[0] == 19 && bytes.AsSpan(28, 20).SequenceEqual(run.InfoHash) ? bytes[20..28] : null;
            }
            if (read.IsCompleted)
                return null;
            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }

    private async Task StartAsync(Socket socket, bool extensions, CancellationToken token)
    {
        var start = new List<byte>();
        if (extensions)
        {
            byte[] payload = "d1:md11:ut_metadatai0ee1:v5:crowde"u8.ToArray();
            start.AddRange(Length(2 + payload.Length));
            start.Add(20);
            start.Add(0);
            start.AddRange(payload);
        }
        if (_fast)
            start.AddRange([0, 0, 0, 1, 15]); // have none
        start.AddRange([0, 0, 0, 1, 2]); // interested
        await socket.SendAsync(start.ToArray(), token).ConfigureAwait(false);
    }

    private static byte[] Length(int length)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, length);
        return bytes;
    }

    /// <summary>Asks for blocks while unchoked, paced to this leecher's rate, a few in flight.</summary>
    private async Task RequestLoopAsync(Socket socket, CancellationToken token)
    {
        double interval = BlockSize / RateEach; // seconds per block
        int depth = Math.Clamp((int)Math.Ceiling(RateEach * 0.5 / BlockSize), 2, 64); // half a second in flight
        if (kind == LeecherKind.Staller)
            depth = 64;
        long next = Stopwatch.GetTimestamp();
        var request = new byte[17];
        try
        {
            while (!token.IsCancellationRequested)
            {
                (int Piece, int Begin, int Length)? ask = null;
                lock (_gate)
                {
                    if (_unchoked && _outstanding < depth)
                        ask = NextBlock();
                    if (ask is not null)
                        _outstanding++;
                }
                if (ask is not { } block)
                {
                    await _wake.WaitAsync(token).ConfigureAwait(false);
                    continue;
                }
                if (kind != LeecherKind.Staller)
                {
                    long now = Stopwatch.GetTimestamp();
                    if (next > now)
                        await Task.Delay(Stopwatch.GetElapsedTime(now, next), token).ConfigureAwait(false);
                    // No saved-up burst past what may be in flight.
                    next = Math.Max(next + (long)(interval * Stopwatch.Frequency), Stopwatch.GetTimestamp() - (long)(interval * depth * Stopwatch.Frequency));
                }
                BinaryPrimitives.WriteInt32BigEndian(request, 13);
                request[4] = 6;
                BinaryPrimitives.WriteInt32BigEndian(request.AsSpan(5), block.Piece);
                BinaryPrimitives.WriteInt32BigEndian(request.AsSpan(9), block.Begin);
                BinaryPrimitives.WriteInt32BigEndian(request.AsSpan(13), block.Length);
                await socket.SendAsync(request, token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
        }
    }

    /// <summary>The next block to ask for: the rest of the current piece, else a new random piece (under the gate).</summary>
    private (int Piece, int Begin, int Length)? NextBlock()
    {
        var torrent = run.Torrent;
        if (_piece < 0 || _requestedTo >= torrent.PieceSize(_piece))
        {
            if (_piece >= 0 && _receivedTo < torrent.PieceSize(_piece))
                return null; // the piece is all asked for: wait for it before the next
            _piece = _random.Next(run.Options.HotPieces is > 0 and var hot ? Math.Min(hot, torrent.PieceCount) : torrent.PieceCount);
            _requestedTo = 0;
            _receivedTo = 0;
            _hash?.Dispose();
            _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        }
        int begin = _requestedTo;
        int length = Math.Min(BlockSize, torrent.PieceSize(_piece) - begin);
        _requestedTo += length;
        return (_piece, begin, length);
    }

    /// <summary>Reads messages until the seed closes (true) or we leave (false).</summary>
    private async Task<bool> ReadLoopAsync(PipeReader reader, CancellationToken token)
    {
        try
        {
            while (true)
            {
                if (kind == LeecherKind.Staller && _outstanding > 0)
                {
                    await Task.Delay(Timeout.Infinite, token).ConfigureAwait(false); // asked, never reads
                }
                var read = await reader.ReadAsync(token).ConfigureAwait(false);
                var buffer = read.Buffer;
                while (TryMessage(ref buffer, out var message))
                {
                    if (!Handle(message))
                        return false; // a dropper hangs up
                }
                reader.AdvanceTo(buffer.Start, buffer.End);
                if (read.IsCompleted)
                    return true;
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (InvalidDataException)
        {
            return true;
        }
    }

    private static bool TryMessage(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> message)
    {
        message = default;
        if (buffer.Length < 4)
            return false;
        Span<byte> prefix = stackalloc byte[4];
        buffer.Slice(0, 4).CopyTo(prefix);
        int length = BinaryPrimitives.ReadInt32BigEndian(prefix);
        if (length is < 0 or > MaxMessage)
            throw new InvalidDataException($"a message of {length} bytes");
        if (buffer.Length < 4 + length)
            return false;
        message = buffer.Slice(4, length);
        buffer = buffer.Slice(4 + length);
        return true;
    }

    /// <summary>Handles one message; false when this leecher hangs up now.</summary>
    private bool Handle(ReadOnlySequence<byte> message)
    {
        if (message.Length == 0)
            return true; // keep-alive
        byte id = message.FirstSpan[0];
        switch (id)
        {
            case 0: // choke: without the fast extension, what was asked is dropped
                lock (_gate)
                {
                    _unchoked = false;
                    if (!_fast)
                        Restart();
                }
                return true;
            case 1:
                lock (_gate)
                    _unchoked = _servedHere = true;
                _wake.Release();
                return true;
            case 7 when message.Length > 9:
                return OnBlock(message);
            case 16: // reject: ask for the piece again from its start
                lock (_gate)
                {
                    _outstanding = Math.Max(0, _outstanding - 1);
                    Restart();
                }
                _wake.Release();
                return true;
            default:
                return true;
        }
    }

    private void Restart()
    {
        _outstanding = 0;
        if (_piece >= 0)
        {
            _requestedTo = _receivedTo = 0;
            _hash?.Dispose();
            _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        }
    }

    private bool OnBlock(ReadOnlySequence<byte> message)
    {
        Span<byte> header = stackalloc byte[9];
        message.Slice(0, 9).CopyTo(header);
        int piece = BinaryPrimitives.ReadInt32BigEndian(header[1..]);
        int begin = BinaryPrimitives.ReadInt32BigEndian(header[5..]);
        var data = message.Slice(9);
        int length = (int)data.Length;
        run.NoteBytes(length);
        Bytes += length;
        if (FirstBlockAt == 0)
            FirstBlockAt = Stopwatch.GetTimestamp();
        bool hangUp = false;
        lock (_gate)
        {
            _outstanding = Math.Max(0, _outstanding - 1);
            if (piece == _piece && begin == _receivedTo && _hash is { } hash)
            {
                foreach (var segment in data)
                    hash.AppendData(segment.Span);
                _receivedTo += length;
                int size = run.Torrent.PieceSize(piece);
                if (kind == LeecherKind.Dropper && _receivedTo >= size / 2)
                    hangUp = true;
                else if (_receivedTo >= size)
                {
                    Span<byte> digest = stackalloc byte[20];
                    hash.GetHashAndReset(digest);
                    if (digest.SequenceEqual(run.Torrent.PieceHashV1(piece)))
                        GoodPieces++;
                    else
                        BadPieces++;
                    _piece = -1;
                }
            }
        }
        _wake.Release();
        return !hangUp;
    }

    public void Dispose()
    {
        _wake.Dispose();
        _hash?.Dispose();
    }
}

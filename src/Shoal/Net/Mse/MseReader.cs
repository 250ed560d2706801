using Shoal.Peers;

namespace Shoal.Net.Mse;

/// <summary>
/// Reads the encryption handshake off a stream through a small buffer: whole fields, or a scan
/// for a pattern that follows padding of unknown length. What it read past the handshake is
/// handed on (<see cref="TakeRest"/>), so no payload byte is lost.
/// </summary>
internal sealed class MseReader(PeerStream stream, ReadOnlySpan<byte> alreadyRead)
{
    /// <summary>The most the handshake may hold: 96 + 512 + 20 + 20 + 14 + 512 + 2 + IA.</summary>
    private const int Capacity = 96 + MseHandshake.MaxPad + 40 + 16 + MseHandshake.MaxPad + MseHandshake.MaxInitialPayload + 1024;

    private byte[] _buffer = InitialBuffer(alreadyRead);
    private int _start;
    private int _end = alreadyRead.Length;

    private static byte[] InitialBuffer(ReadOnlySpan<byte> alreadyRead)
    {
        var buffer = new byte[Math.Max(1024, alreadyRead.Length)];
        alreadyRead.CopyTo(buffer);
        return buffer;
    }

    private int Available => _end - _start;

    /// <summary>The next <paramref name="count"/> bytes, as a copy.</summary>
    public async ValueTask<byte[]> ReadAsync(int count, CancellationToken cancellationToken)
    {
        await FillAsync(count, cancellationToken).ConfigureAwait(false);
        byte[] result = _buffer.AsSpan(_start, count).ToArray();
        _start += count;
        return result;
    }

    /// <summary>
    /// Consumes bytes up to and including <paramref name="pattern"/>, which must begin within
    /// <paramref name="maxSkip"/> bytes; throws when it does not.
    /// </summary>
    public async ValueTask SkipPastAsync(byte[] pattern, int maxSkip, string what, CancellationToken cancellationToken)
    {
        int searched = 0; // offsets from _start already known not to start the pattern
        while (true)
        {
            int found = _buffer.AsSpan(_start + searched, Available - searched).IndexOf(pattern);
            if (found >= 0 && searched + found <= maxSkip)
            {
                _start += searched + found + pattern.Length;
                return;
            }
            searched = Math.Max(searched, Available - pattern.Length + 1);
            if (found >= 0 || searched > maxSkip)
                throw new PeerProtocolException($"encryption handshake: {what} not found within {maxSkip} bytes of padding");
            await FillAsync(Available + 1, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Whatever was read beyond the handshake; the reader is done after this.</summary>
    public byte[] TakeRest()
    {
        byte[] rest = _buffer.AsSpan(_start, Available).ToArray();
        _start = _end;
        return rest;
    }

    private async ValueTask FillAsync(int count, CancellationToken cancellationToken)
    {
        if (count > Capacity)
            throw new PeerProtocolException("encryption handshake: longer than the protocol allows");
        if (Available >= count)
            return;
        if (_start + count > _buffer.Length)
        {
            var bigger = _buffer.Length >= count ? _buffer : new byte[Math.Min(Capacity, Math.Max(count, _buffer.Length * 2))];
            Buffer.BlockCopy(_buffer, _start, bigger, 0, Available);
            _end = Available;
            _start = 0;
            _buffer = bigger;
        }
        while (Available < count)
        {
            int n = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (n == 0)
                throw new PeerProtocolException("the peer closed the connection during the encryption handshake");
            _end += n;
        }
    }
}

using System.Buffers;
using System.Net;

namespace Shoal.Net.Mse;

/// <summary>
/// The payload stream after an encryption handshake: RC4 in each direction (or plaintext, when
/// that was selected), with the bytes read during the handshake served first. One reader and one
/// writer at a time, as the peer wire uses a stream.
/// </summary>
internal sealed class MseStream(PeerStream inner, Rc4? encrypt, Rc4? decrypt, byte[] pending) : PeerStream
{
    private int _pendingAt;

    /// <summary>Whether the payload is RC4-encrypted (false: only the handshake was).</summary>
    public bool Encrypted => encrypt is not null;

    public override IPEndPoint RemoteEndPoint => inner.RemoteEndPoint;

    public override PeerTransport Transport => inner.Transport with { Encryption = Encrypted ? PeerEncryption.Rc4 : PeerEncryption.HandshakeOnly };

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (_pendingAt < pending.Length)
        {
            int n = Math.Min(buffer.Length, pending.Length - _pendingAt);
            pending.AsSpan(_pendingAt, n).CopyTo(buffer.Span);
            _pendingAt += n;
            return n;
        }
        int read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        decrypt?.Apply(buffer.Span[..read]);
        return read;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (encrypt is null)
        {
            await inner.WriteAsync(data, cancellationToken).ConfigureAwait(false);
            return;
        }
        byte[] buffer = ArrayPool<byte>.Shared.Rent(data.Length);
        try
        {
            encrypt.Apply(data.Span, buffer);
            await inner.WriteAsync(buffer.AsMemory(0, data.Length), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public override void SetSendBacklog(int bytes) => inner.SetSendBacklog(bytes);

    public override void Close() => inner.Close();
}

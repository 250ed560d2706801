using System.Net.Sockets;
using Shoal.Metainfo;
using Shoal.Peers;

namespace Shoal.Net.Mse;

/// <summary>
/// The client's opening of a dialled stream, through the same seam as any other: the encryption
/// policy of the moment says MSE or nothing. Required: the MSE handshake offering RC4 only.
/// Preferred: RC4 and plaintext both offered (the peer picks), and a peer that does not answer
/// the opening within half the connect deadline is dialled again in plain. Tolerated or
/// disabled: the stream as it is.
/// </summary>
internal sealed class MseOutgoingOpening(Func<EncryptionPolicy> policy, TimeSpan connectTimeout, TimeProvider time) : IOutgoingOpening
{
    public async Task<PeerStream> OpenAsync(PeerStream stream, InfoHash infoHash, Func<CancellationToken, Task<PeerStream>> redial, CancellationToken cancellationToken)
    {
        ReadOnlyMemory<byte> streamKey = infoHash.Span.ToArray();
        switch (policy())
        {
            case EncryptionPolicy.Tolerate or EncryptionPolicy.Disable:
                return stream;
            case EncryptionPolicy.Require:
                return await MseHandshake.ConnectAsync(stream, streamKey, MseHandshake.Rc4, cancellationToken).ConfigureAwait(false);
        }
        using var half = new Deadline(connectTimeout / 2, time, cancellationToken);
        try
        {
            return await MseHandshake.ConnectAsync(stream, streamKey, MseHandshake.Rc4 | MseHandshake.Plaintext, half.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is PeerProtocolException or IOException or SocketException or OperationCanceledException
            && !cancellationToken.IsCancellationRequested)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            return await redial(cancellationToken).ConfigureAwait(false);
        }
    }
}

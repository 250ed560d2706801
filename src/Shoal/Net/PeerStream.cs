using System.Net;

namespace Shoal.Net;

/// <summary>
/// A duplex byte stream to one peer, as a transport delivers it (TCP, uTP, MSE over either, or a
/// transport of yours). The peer wire runs on top of it and never sees a socket.
/// </summary>
public abstract class PeerStream : IAsyncDisposable
{
    /// <summary>The remote address the bytes come from.</summary>
    public abstract IPEndPoint RemoteEndPoint { get; }

    /// <summary>How the bytes travel (the carrier and any encryption over it).</summary>
    public abstract PeerTransport Transport { get; }

    /// <summary>Reads at least one byte; 0 when the peer closed its side.</summary>
    public abstract ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken);

    /// <summary>Writes every byte of <paramref name="data"/>.</summary>
    public abstract ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>
    /// A hint: keep about this many bytes queued below the stream (in the kernel or a congestion
    /// window), so that what is written next (a choke, a reject) reaches the peer soon.
    /// </summary>
    public virtual void SetSendBacklog(int bytes)
    {
    }

    /// <summary>Closes both directions at once; pending reads and writes fail. Idempotent.</summary>
    public abstract void Close();

    /// <summary>Closes the stream.</summary>
    public virtual ValueTask DisposeAsync()
    {
        Close();
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    /// <summary>Reads exactly <paramref name="buffer"/>.Length bytes; false when the stream ends first.</summary>
    public async ValueTask<bool> ReadExactlyAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        int have = 0;
        while (have < buffer.Length)
        {
            int n = await ReadAsync(buffer[have..], cancellationToken).ConfigureAwait(false);
            if (n == 0)
                return false;
            have += n;
        }
        return true;
    }
}

using System.Net;
using System.Net.Sockets;

namespace Shoal.Tracker;

/// <summary>The UDP tracker's socket loops: one thread per socket, blocking calls (portable) or recvmmsg/sendmmsg batches (Linux).</summary>
internal static class UdpTrackerLoops
{
    /// <summary>
    /// One thread per UDP socket with blocking receive and send: on Linux this is much cheaper per
    /// datagram than async calls, and a tracker's UDP work is tiny per packet. The source address
    /// is read into one reused SocketAddress and answered from it, so a datagram allocates
    /// nothing. Ends when the socket closes.
    /// </summary>
    public static void Blocking(Socket socket, UdpAnswer answer, CancellationToken token)
    {
        var buffer = new byte[2048];
        var reply = new byte[1500];
        var from = new SocketAddress(socket.AddressFamily);
        while (!token.IsCancellationRequested)
        {
            int received;
            try
            {
                received = socket.ReceiveFrom(buffer, SocketFlags.None, from);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.MessageSize)
            {
                continue; // an ICMP error from an earlier reply, or an oversized datagram
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return; // closed
            }
            if (!PeerEndpoint.TryFrom(from, out var client))
                continue;
            int length = answer(buffer.AsSpan(0, received), client, reply);
            if (length == 0)
                continue;
            try
            {
                socket.SendTo(reply.AsSpan(0, length), SocketFlags.None, from);
            }
            catch (SocketException)
            {
            }
            catch (ObjectDisposedException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// The Linux loop: recvmmsg takes every waiting datagram, each is answered into its own
    /// reply buffer, and one sendmmsg sends the replies. The socket's handle is held for the
    /// loop's life, so closing the socket cannot hand its descriptor number to another file
    /// under us; a 250 ms receive timeout lets the loop see the stop.
    /// </summary>
    public static void Batched(Socket socket, UdpAnswer answer, CancellationToken token)
    {
        bool held = false;
        using var batch = new LinuxUdpBatch();
        try
        {
            socket.SafeHandle.DangerousAddRef(ref held);
            Span<byte> timeout = stackalloc byte[16]; // struct timeval { 0 s, 250,000 us }
            BitConverter.TryWriteBytes(timeout[8..], 250_000L);
            socket.SetRawSocketOption(1 /* SOL_SOCKET */, 20 /* SO_RCVTIMEO */, timeout);
            int fd = (int)socket.SafeHandle.DangerousGetHandle();
            while (!token.IsCancellationRequested)
            {
                int received = batch.Receive(fd);
                if (received < 0)
                    return;
                for (int i = 0; i < received; i++)
                {
                    if (PeerEndpoint.TryFromSockaddr(batch.Source(i), out var client) && answer(batch.Packet(i), client, batch.Reply(i)) is > 0 and var length)
                        batch.Queue(i, length);
                }
                if (!batch.Flush(fd))
                    return;
            }
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            if (held)
                socket.SafeHandle.DangerousRelease();
        }
    }
}

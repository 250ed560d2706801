using System.Net;
using System.Net.Sockets;
using Shoal.Wire;

namespace Shoal.Tests.Engine;

/// <summary>
/// A hand-driven peer for fault tests: it speaks just enough of the wire protocol to misbehave
/// in one precise way. It uses raw sockets, not the engine's connection code. Like any client
/// without encryption, it hangs up on an opening that is not the plain handshake (the engine's
/// encrypted first try) and takes the next connection.
/// </summary>
internal sealed class ScriptedPeer : IDisposable
{
    private readonly Socket _socket;
    private byte[] _buffer = new byte[1 << 20];
    private int _have;

    private ScriptedPeer(Socket socket) => _socket = socket;

    public static readonly byte[] Id = "-XX0001-scripted0000"u8.ToArray();

    /// <summary>A peer id of its own for peer <paramref name="n"/> of several (the engine refuses a second connection from one id).</summary>
    public static byte[] NumberedId(int n) => System.Text.Encoding.ASCII.GetBytes($"-XX0001-scripted{n:D4}");

    /// <summary>Connects and handshakes; from the address <paramref name="from"/> when given (another loopback address is another peer's).</summary>
    public static async Task<ScriptedPeer> ConnectAsync(IPEndPoint endPoint, byte[] infoHash, int? receiveBuffer = null, byte[]? id = null, IPAddress? from = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (receiveBuffer is int size)
            socket.ReceiveBufferSize = size; // before connecting, so the window stays small
        if (from is not null)
            socket.Bind(new IPEndPoint(from, 0));
        await socket.ConnectAsync(endPoint);
        var peer = new ScriptedPeer(socket);
        await peer.SendAsync(new Handshake(Handshake.OurReserved(), infoHash, id ?? Id).ToBytes());
        Assert.NotNull(await ReceiveHandshakeAsync(socket));
        return peer;
    }

    /// <summary>Accepts a connection on <paramref name="listener"/> that opens with the plain handshake, and answers it.</summary>
    public static async Task<ScriptedPeer> AcceptAsync(TcpListener listener, byte[] infoHash, byte[]? id = null)
    {
        while (true)
        {
            var socket = await listener.AcceptSocketAsync();
            if (await ReceiveHandshakeAsync(socket) is null)
            {
                socket.Dispose(); // an encrypted opening: hang up, as a plain client does; it dials again in plain
                continue;
            }
            var peer = new ScriptedPeer(socket);
            await peer.SendAsync(new Handshake(Handshake.OurReserved(), infoHash, id ?? Id).ToBytes());
            return peer;
        }
    }

    /// <summary>Reads the 68-byte handshake the engine sends; null when the bytes are not a plain handshake.</summary>
    private static async Task<Handshake?> ReceiveHandshakeAsync(Socket socket)
    {
        var buffer = new byte[Handshake.Length];
        int have = 0;
        while (have < buffer.Length)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(have), SocketFlags.None);
            if (n == 0)
                throw new IOException("closed during the handshake");
            have += n;
        }
        return Handshake.TryParse(buffer, out var handshake, out _) == ParseStatus.Done ? handshake : null;
    }

    public async Task SendAsync(byte[] bytes)
    {
        int sent = 0;
        while (sent < bytes.Length)
            sent += await _socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None);
    }

    public Task SendAsync(Func<byte[], int> write)
    {
        var buffer = new byte[64 * 1024];
        int length = write(buffer);
        return SendAsync(buffer[..length]);
    }

    /// <summary>Reads the next message (id, index, begin, length); null when the connection closed.</summary>
    public async Task<(MessageId Id, int Index, int Begin, int Length)?> ReadAsync(TimeSpan timeout) =>
        await ReadMessageAsync(timeout) is { } m ? (m.Id, m.Index, m.Begin, m.Length) : null;

    /// <summary>Sends a BEP 10 message (id 0: the handshake).</summary>
    public Task SendExtendedAsync(byte id, byte[] payload) => SendAsync(b => PeerWire.WriteExtended(b, id, payload));

    /// <summary>A message as read: its id, index fields, and for extended messages the extended id and payload.</summary>
    public sealed record Message(MessageId Id, int Index, int Begin, int Length, byte ExtendedId, byte[] Payload);

    /// <summary>Reads the next whole message; null when the connection closed.</summary>
    public async Task<Message?> ReadMessageAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            var status = PeerWire.TryRead(_buffer.AsSpan(0, _have), 1 << 20, out var message, out int consumed, out _);
            if (status == ParseStatus.Done)
            {
                var result = message.IsKeepAlive ? new Message((MessageId)255, 0, 0, 0, 0, [])
                    : new Message(message.Id, message.Index, message.Begin, message.Length,
                        message.Id == MessageId.Extended ? message.ExtendedId : (byte)0, message.Payload.ToArray());
                _buffer.AsSpan(consumed, _have - consumed).CopyTo(_buffer);
                _have -= consumed;
                return result;
            }
            int n;
            try
            {
                n = await _socket.ReceiveAsync(_buffer.AsMemory(_have), SocketFlags.None, deadline.Token);
            }
            catch (SocketException)
            {
                return null;
            }
            if (n == 0)
                return null;
            _have += n;
        }
    }

    /// <summary>
    /// Sends <paramref name="message"/> again and again without reading anything, until the other
    /// side drops the connection (true) or <paramref name="maxBytes"/> are sent or the deadline passes (false).
    /// </summary>
    public async Task<bool> FloodUntilDroppedAsync(byte[] message, long maxBytes, TimeSpan timeout)
    {
        var chunk = new byte[message.Length * Math.Max(1, 16384 / message.Length)];
        for (int at = 0; at + message.Length <= chunk.Length; at += message.Length)
            message.CopyTo(chunk, at);
        using var deadline = new CancellationTokenSource(timeout);
        long sent = 0;
        try
        {
            while (sent < maxBytes)
                sent += await _socket.SendAsync(chunk, SocketFlags.None, deadline.Token);
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        return false;
    }

    /// <summary>True once the other side closes the connection (messages before that are skipped).</summary>
    public async Task<bool> ClosedByPeerAsync(TimeSpan timeout)
    {
        try
        {
            while (await ReadAsync(timeout) is not null)
            {
            }
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose() => _socket.Dispose();
}

using System.Runtime.InteropServices;

namespace Shoal.Tracker;

/// <summary>
/// Batched UDP on Linux: one recvmmsg takes every datagram waiting (up to <see cref="Capacity"/>)
/// and one sendmmsg sends their replies, so a busy tracker makes two system calls per batch
/// instead of two per announce. Buffers live in one native block that is never moved. Not
/// thread-safe: one instance per socket thread.
/// </summary>
internal sealed unsafe partial class LinuxUdpBatch : IDisposable
{
    public const int Capacity = 64;
    public const int PacketSize = 2048;
    public const int ReplySize = 1500;
    private const int AddressSize = 128; // sockaddr_storage
    private const int MsgWaitForOne = 0x10000;
    private const int EINTR = 4, EAGAIN = 11, ECONNREFUSED = 111;

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int recvmmsg(int fd, MMsgHdr* messages, uint count, int flags, void* timeout);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sendmmsg(int fd, MMsgHdr* messages, uint count, int flags);

    private readonly byte* _packets, _addresses, _replies;
    private readonly IoVec* _receiveIov, _sendIov;
    private readonly MMsgHdr* _receive, _send;
    private int _queued;

    public LinuxUdpBatch()
    {
        _packets = (byte*)NativeMemory.Alloc(Capacity * PacketSize);
        _addresses = (byte*)NativeMemory.AllocZeroed(Capacity * AddressSize);
        _replies = (byte*)NativeMemory.Alloc(Capacity * ReplySize);
        _receiveIov = (IoVec*)NativeMemory.AllocZeroed((nuint)(Capacity * sizeof(IoVec)));
        _sendIov = (IoVec*)NativeMemory.AllocZeroed((nuint)(Capacity * sizeof(IoVec)));
        _receive = (MMsgHdr*)NativeMemory.AllocZeroed((nuint)(Capacity * sizeof(MMsgHdr)));
        _send = (MMsgHdr*)NativeMemory.AllocZeroed((nuint)(Capacity * sizeof(MMsgHdr)));
        for (int i = 0; i < Capacity; i++)
        {
            _receiveIov[i] = new IoVec { Base = _packets + i * PacketSize, Length = PacketSize };
            _receive[i].Header.Iov = &_receiveIov[i];
            _receive[i].Header.IovLength = 1;
            _receive[i].Header.Name = _addresses + i * AddressSize;
            _send[i].Header.Iov = &_sendIov[i];
            _send[i].Header.IovLength = 1;
        }
    }

    public static bool IsSupported => OperatingSystem.IsLinux() && (RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64);

    /// <summary>
    /// Waits for at least one datagram (up to the socket's receive timeout) and takes all that
    /// are waiting. Returns how many, 0 on a timeout or a transient error, -1 when the socket is gone.
    /// </summary>
    public int Receive(int fd)
    {
        for (int i = 0; i < Capacity; i++)
        {
            _receive[i].Header.NameLength = AddressSize;
            _receive[i].Header.Flags = 0;
        }
        int n = recvmmsg(fd, _receive, Capacity, MsgWaitForOne, null);
        if (n >= 0)
            return n;
        int error = Marshal.GetLastSystemError();
        return error is EINTR or EAGAIN or ECONNREFUSED ? 0 : -1;
    }

    /// <summary>The i-th datagram received; truncated ones (larger than a packet buffer) come back empty.</summary>
    public ReadOnlySpan<byte> Packet(int i) =>
        (_receive[i].Header.Flags & 0x20 /* MSG_TRUNC */) != 0 ? default : new(_packets + i * PacketSize, (int)_receive[i].Length);

    /// <summary>The i-th datagram's source address, as a raw sockaddr.</summary>
    public ReadOnlySpan<byte> Source(int i) => new(_addresses + i * AddressSize, (int)Math.Min(_receive[i].Header.NameLength, AddressSize));

    /// <summary>Where the reply to the i-th datagram is written.</summary>
    public Span<byte> Reply(int i) => new(_replies + i * ReplySize, ReplySize);

    /// <summary>Queues <paramref name="length"/> bytes of <see cref="Reply"/>(i) back to the i-th datagram's source.</summary>
    public void Queue(int i, int length)
    {
        int slot = _queued++;
        _send[slot].Header.Name = _addresses + i * AddressSize;
        _send[slot].Header.NameLength = _receive[i].Header.NameLength;
        _sendIov[slot] = new IoVec { Base = _replies + i * ReplySize, Length = (nuint)length };
    }

    /// <summary>Sends every queued reply; a reply the kernel refuses is dropped, as a lost datagram would be. False when the socket is gone.</summary>
    public bool Flush(int fd)
    {
        int done = 0;
        while (done < _queued)
        {
            int n = sendmmsg(fd, _send + done, (uint)(_queued - done), 0);
            if (n > 0)
            {
                done += n;
                continue;
            }
            int error = Marshal.GetLastSystemError();
            if (error == EINTR)
                continue;
            if (error is 9 /* EBADF */ or 88 /* ENOTSOCK */)
                return false;
            done++; // skip the datagram that failed (unreachable, too large) and go on
        }
        _queued = 0;
        return true;
    }

    public void Dispose()
    {
        NativeMemory.Free(_packets);
        NativeMemory.Free(_addresses);
        NativeMemory.Free(_replies);
        NativeMemory.Free(_receiveIov);
        NativeMemory.Free(_sendIov);
        NativeMemory.Free(_receive);
        NativeMemory.Free(_send);
    }
}

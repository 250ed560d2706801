namespace Shoal;

/// <summary>How many connections the client has and may take: the limits, half-open dials, and whether a new incoming one is taken at all.</summary>
public sealed partial class ShoalClient
{
    /// <summary>Connections over all torrents (from <see cref="ShoalClientOptions.MaxConnections"/>; changeable while it runs).</summary>
    public int MaxConnections
    {
        get => Volatile.Read(ref _maxConnections);
        set => Volatile.Write(ref _maxConnections, Math.Clamp(value, 1, 100_000));
    }

    /// <summary>Wakes the send loops that hold haves waiting to ride with another write.</summary>
    internal Peers.DeferredSends DeferredSends { get; }

    internal bool TryAddConnection() => TryTake(ref _connections, MaxConnections);

    internal void RemoveConnection() => Interlocked.Decrement(ref _connections);

    /// <summary>
    /// Whether an incoming connection could be taken at all: the client is under its connection
    /// limit and some running torrent under its own. When not, the connection is closed as soon as
    /// it is accepted, before any handshake is read: a crowd past the limits costs an accept and a
    /// close each, not a key exchange and a handshake that would be dropped anyway.
    /// </summary>
    private bool HasRoomForIncoming()
    {
        if (Volatile.Read(ref _connections) >= MaxConnections)
            return false;
        foreach (var (_, session) in _running) // lock-free, unlike .Values
        {
            if (session.HasPeerRoom)
                return true;
        }
        return false;
    }

    internal bool TryBeginHalfOpen() => TryTake(ref _halfOpen, Options.MaxHalfOpen);

    /// <summary>Outgoing connections that may still be started now.</summary>
    internal int HalfOpenRoom => Math.Max(0, Options.MaxHalfOpen - Volatile.Read(ref _halfOpen));

    /// <summary>Takes one of <paramref name="limit"/> slots counted by <paramref name="counter"/>, if one is free.</summary>
    private static bool TryTake(ref int counter, int limit)
    {
        if (Interlocked.Increment(ref counter) <= limit)
            return true;
        Interlocked.Decrement(ref counter);
        return false;
    }

    internal void EndHalfOpen() => Interlocked.Decrement(ref _halfOpen);
}

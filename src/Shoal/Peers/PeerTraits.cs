namespace Shoal.Peers;

/// <summary>What an address is known to support or be.</summary>
[Flags]
internal enum PeerTraits
{
    None = 0,
    Seed = 1,
    Encryption = 2,
    Utp = 4,
    /// <summary>Found on the local network (LSD): dialled before others.</summary>
    Local = 8,
}

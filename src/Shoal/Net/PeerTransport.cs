namespace Shoal.Net;

/// <summary>Whether MSE (message stream encryption) wraps a peer's stream, and how far.</summary>
public enum PeerEncryption
{
    /// <summary>Plain BitTorrent from the first byte.</summary>
    None,
    /// <summary>The MSE opening (a Diffie-Hellman exchange), then plain text both ways.</summary>
    HandshakeOnly,
    /// <summary>The MSE opening, then RC4 both ways.</summary>
    Rc4,
}

/// <summary>
/// How a peer's bytes travel: the carrier (a transport's name: <see cref="Tcp"/>, <see cref="Utp"/>,
/// <see cref="Http"/> for a web seed, or a transport of yours) and the encryption over it.
/// Written as "tcp", "utp+rc4" or "tcp+mse" for people; read as a value by code.
/// </summary>
public readonly record struct PeerTransport(string Carrier, PeerEncryption Encryption = PeerEncryption.None)
{
    /// <summary>TCP, plain.</summary>
    public static PeerTransport Tcp { get; } = new("tcp");
    /// <summary>uTP (BEP 29), plain.</summary>
    public static PeerTransport Utp { get; } = new("utp");
    /// <summary>A web seed's HTTP (BEP 19).</summary>
    public static PeerTransport Http { get; } = new("http");

    /// <summary>Whether the carrier is uTP (BEP 11 and Transmission's peers report it).</summary>
    public bool IsUtp => Carrier == Utp.Carrier;

    /// <summary>Whether the payload is RC4-encrypted both ways.</summary>
    public bool Encrypted => Encryption == PeerEncryption.Rc4;

    /// <summary>Whether the peer spoke MSE with us (encrypted or only its opening).</summary>
    public bool SpokeMse => Encryption != PeerEncryption.None;

    /// <summary>"tcp", "utp+rc4", "tcp+mse".</summary>
    public override string ToString() => Encryption switch
    {
        PeerEncryption.Rc4 => Carrier + "+rc4",
        PeerEncryption.HandshakeOnly => Carrier + "+mse",
        _ => Carrier,
    };
}

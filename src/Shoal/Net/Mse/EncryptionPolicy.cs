namespace Shoal;

/// <summary>Whether peer connections use Message Stream Encryption (the RC4 obfuscation handshake).</summary>
public enum EncryptionPolicy
{
    /// <summary>
    /// Dial with the encrypted opening, offering RC4 or plaintext for what follows (the peer picks),
    /// and dial again in plain when a peer does not answer it; accept every kind of connection,
    /// taking plaintext after the opening when offered. As libtorrent's defaults: the BitTorrent
    /// handshake is hidden, and the payload is RC4 only with a peer that asks for nothing else.
    /// </summary>
    Prefer,
    /// <summary>Only RC4-encrypted connections, both ways: a peer that cannot encrypt is not a peer.</summary>
    Require,
    /// <summary>Dial in plain; accept the encrypted opening too (Transmission's "tolerated").</summary>
    Tolerate,
    /// <summary>Plain connections only, both ways.</summary>
    Disable,
}

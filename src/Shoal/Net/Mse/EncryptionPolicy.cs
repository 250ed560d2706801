namespace Shoal;

/// <summary>Whether peer connections use Message Stream Encryption (the RC4 obfuscation handshake).</summary>
public enum EncryptionPolicy
{
    /// <summary>Dial encrypted (RC4), and dial again in plain when a peer does not answer that; accept both.</summary>
    Prefer,
    /// <summary>Only RC4-encrypted connections, both ways: a peer that cannot encrypt is not a peer.</summary>
    Require,
    /// <summary>Dial in plain; accept encrypted connections too (Transmission's "tolerated").</summary>
    Tolerate,
    /// <summary>Plain connections only, both ways.</summary>
    Disable,
}

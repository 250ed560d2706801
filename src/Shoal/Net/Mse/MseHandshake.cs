using System.Buffers.Binary;
using System.Security.Cryptography;
using Shoal.Peers;

namespace Shoal.Net.Mse;

/// <summary>
/// The Message Stream Encryption handshake, both sides. The connecting side (A) and the
/// accepting side (B) trade Diffie-Hellman keys with random padding, A proves it knows the
/// torrent (SKEY) without naming it, and both agree on RC4 or plaintext for what follows:
/// <code>
/// 1 A->B: Ya, PadA
/// 2 B->A: Yb, PadB
/// 3 A->B: HASH('req1', S), HASH('req2', SKEY) xor HASH('req3', S),
///         ENCRYPT(VC, crypto_provide, len(PadC), PadC, len(IA)), ENCRYPT(IA)
/// 4 B->A: ENCRYPT(VC, crypto_select, len(PadD), PadD), then the payload
/// </code>
/// </summary>
internal static class MseHandshake
{
    /// <summary>The longest padding the spec allows (PadA to PadD).</summary>
    public const int MaxPad = 512;

    /// <summary>The longest initial payload (IA) taken: a BitTorrent handshake with room to spare.</summary>
    public const int MaxInitialPayload = 1024;

    /// <summary>crypto_provide / crypto_select bits.</summary>
    public const uint Plaintext = 1, Rc4 = 2;

    /// <summary>Runs side A on a dialled stream; returns the stream that carries the payload.</summary>
    public static async Task<PeerStream> ConnectAsync(PeerStream stream, ReadOnlyMemory<byte> streamKey, uint provide, CancellationToken cancellationToken)
    {
        var privateKey = MseCrypto.NewPrivateKey();
        await stream.WriteAsync(WithPadding(MseCrypto.PublicKey(privateKey)), cancellationToken).ConfigureAwait(false);
        var reader = new MseReader(stream, []);
        byte[] secret = MseCrypto.Secret(await reader.ReadAsync(MseCrypto.KeyLength, cancellationToken).ConfigureAwait(false), privateKey);
        var encrypt = MseCrypto.CipherA(secret, streamKey.Span);
        var decrypt = MseCrypto.CipherB(secret, streamKey.Span);

        // Step 3, with no initial payload: our BitTorrent handshake follows in the payload stream.
        byte[] padC = Padding();
        var step3 = new byte[40 + MseCrypto.VcLength + 4 + 2 + padC.Length + 2];
        MseCrypto.Hash("req1", secret).CopyTo(step3, 0);
        byte[] req2 = MseCrypto.StreamKeyTag(streamKey.Span), req3 = MseCrypto.Hash("req3", secret);
        for (int k = 0; k < 20; k++)
            step3[20 + k] = (byte)(req2[k] ^ req3[k]);
        var tail = step3.AsSpan(40);
        BinaryPrimitives.WriteUInt32BigEndian(tail[MseCrypto.VcLength..], provide);
        BinaryPrimitives.WriteUInt16BigEndian(tail[(MseCrypto.VcLength + 4)..], (ushort)padC.Length);
        padC.CopyTo(tail[(MseCrypto.VcLength + 6)..]);
        encrypt.Apply(tail); // VC and len(IA) stay zero before encryption
        await stream.WriteAsync(step3, cancellationToken).ConfigureAwait(false);

        // Step 4: find ENCRYPT(VC) after PadB, then crypto_select and PadD.
        var vcPattern = new byte[MseCrypto.VcLength];
        MseCrypto.CipherB(secret, streamKey.Span).Apply(vcPattern);
        await reader.SkipPastAsync(vcPattern, MaxPad, "the verification constant", cancellationToken).ConfigureAwait(false);
        decrypt.Skip(MseCrypto.VcLength);
        byte[] head = await reader.ReadAsync(6, cancellationToken).ConfigureAwait(false);
        decrypt.Apply(head);
        uint select = BinaryPrimitives.ReadUInt32BigEndian(head);
        int padD = BinaryPrimitives.ReadUInt16BigEndian(head.AsSpan(4));
        if (select is not (Plaintext or Rc4) || (select & provide) == 0)
            throw new PeerProtocolException($"encryption handshake: the peer selected method {select}, not one we offered ({provide})");
        if (padD > MaxPad)
            throw new PeerProtocolException($"encryption handshake: padding of {padD} bytes (at most {MaxPad})");
        decrypt.Apply(await reader.ReadAsync(padD, cancellationToken).ConfigureAwait(false));
        return Wrap(stream, select, encrypt, decrypt, [], reader.TakeRest());
    }

    /// <summary>
    /// Runs side B on an accepted stream whose first bytes (<paramref name="alreadyRead"/>) were
    /// sniffed; <paramref name="findStreamKey"/> maps HASH('req2', SKEY) to the torrent's SKEY, or
    /// null when we serve no such torrent. Returns the payload stream and the SKEY it is for.
    /// </summary>
    public static async Task<(PeerStream Stream, byte[] StreamKey)> AcceptAsync(PeerStream stream, ReadOnlyMemory<byte> alreadyRead,
        Func<byte[], byte[]?> findStreamKey, Func<uint, uint> choose, CancellationToken cancellationToken)
    {
        var reader = new MseReader(stream, alreadyRead.Span);
        byte[] theirKey = await reader.ReadAsync(MseCrypto.KeyLength, cancellationToken).ConfigureAwait(false);
        var privateKey = MseCrypto.NewPrivateKey();
        byte[] secret = MseCrypto.Secret(theirKey, privateKey);
        await stream.WriteAsync(WithPadding(MseCrypto.PublicKey(privateKey)), cancellationToken).ConfigureAwait(false);

        await reader.SkipPastAsync(MseCrypto.Hash("req1", secret), MaxPad, "HASH('req1', S)", cancellationToken).ConfigureAwait(false);
        byte[] tag = await reader.ReadAsync(20, cancellationToken).ConfigureAwait(false);
        byte[] req3 = MseCrypto.Hash("req3", secret);
        for (int k = 0; k < 20; k++)
            tag[k] ^= req3[k];
        byte[] streamKey = findStreamKey(tag) ?? throw new PeerProtocolException("encryption handshake: a torrent we do not serve");
        var decrypt = MseCrypto.CipherA(secret, streamKey);
        var encrypt = MseCrypto.CipherB(secret, streamKey);

        byte[] head = await reader.ReadAsync(MseCrypto.VcLength + 6, cancellationToken).ConfigureAwait(false);
        decrypt.Apply(head);
        if (head.AsSpan(0, MseCrypto.VcLength).ContainsAnyExcept((byte)0))
            throw new PeerProtocolException("encryption handshake: a wrong verification constant");
        uint provide = BinaryPrimitives.ReadUInt32BigEndian(head.AsSpan(MseCrypto.VcLength));
        int padC = BinaryPrimitives.ReadUInt16BigEndian(head.AsSpan(MseCrypto.VcLength + 4));
        if (padC > MaxPad)
            throw new PeerProtocolException($"encryption handshake: padding of {padC} bytes (at most {MaxPad})");
        decrypt.Apply(await reader.ReadAsync(padC, cancellationToken).ConfigureAwait(false));
        byte[] iaLength = await reader.ReadAsync(2, cancellationToken).ConfigureAwait(false);
        decrypt.Apply(iaLength);
        int ia = BinaryPrimitives.ReadUInt16BigEndian(iaLength);
        if (ia > MaxInitialPayload)
            throw new PeerProtocolException($"encryption handshake: an initial payload of {ia} bytes (at most {MaxInitialPayload})");
        byte[] initial = await reader.ReadAsync(ia, cancellationToken).ConfigureAwait(false);
        decrypt.Apply(initial);

        uint select = choose(provide);
        if (select is not (Plaintext or Rc4) || (select & provide) == 0)
            throw new PeerProtocolException($"encryption handshake: no method we accept among those offered ({provide})");
        byte[] padD = Padding();
        var step4 = new byte[MseCrypto.VcLength + 6 + padD.Length];
        BinaryPrimitives.WriteUInt32BigEndian(step4.AsSpan(MseCrypto.VcLength), select);
        BinaryPrimitives.WriteUInt16BigEndian(step4.AsSpan(MseCrypto.VcLength + 4), (ushort)padD.Length);
        padD.CopyTo(step4, MseCrypto.VcLength + 6);
        encrypt.Apply(step4);
        await stream.WriteAsync(step4, cancellationToken).ConfigureAwait(false);
        return (Wrap(stream, select, encrypt, decrypt, initial, reader.TakeRest()), streamKey);
    }

    /// <summary>The payload stream: RC4 both ways, or plaintext after the handshake (what was already read, decrypted when RC4, is read first).</summary>
    private static MseStream Wrap(PeerStream stream, uint select, Rc4 encrypt, Rc4 decrypt, byte[] initial, byte[] rest)
    {
        bool rc4 = select == Rc4;
        if (rc4)
            decrypt.Apply(rest);
        return new MseStream(stream, rc4 ? encrypt : null, rc4 ? decrypt : null, [.. initial, .. rest]);
    }

    private static byte[] WithPadding(byte[] publicKey) => [.. publicKey, .. Padding()];

    /// <summary>Random padding of a random length up to <see cref="MaxPad"/> bytes.</summary>
    private static byte[] Padding()
    {
        var pad = new byte[RandomNumberGenerator.GetInt32(MaxPad + 1)];
        RandomNumberGenerator.Fill(pad);
        return pad;
    }
}

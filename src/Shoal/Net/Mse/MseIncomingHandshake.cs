using Shoal.Metainfo;
using Shoal.Wire;

namespace Shoal.Net.Mse;

/// <summary>
/// An incoming connection that does not open with the plain handshake: the encryption
/// handshake, routed by the SKEY hash over every torrent we serve, then the BitTorrent
/// handshake inside the encrypted stream, which must name the same torrent.
/// </summary>
internal sealed class MseIncomingHandshake(Func<EncryptionPolicy> policy, Func<IEnumerable<InfoHash>> served) : IIncomingHandshake
{
    /// <summary>HASH('req2', SKEY) per torrent, computed once rather than for every torrent on every connection.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<InfoHash, byte[]> _tags = new();
    private const int MaxTags = 100_000;

    public bool Matches(ReadOnlySpan<byte> first) =>
        policy() != EncryptionPolicy.Disable && !PlainIncomingHandshake.LooksPlain(first);

    public async Task<(PeerStream Stream, Handshake Remote)> ReceiveAsync(PeerStream stream, byte[] first, IncomingRouter router, CancellationToken cancellationToken)
    {
        var (opened, streamKey) = await MseHandshake.AcceptAsync(stream, first.AsMemory(0, PeerHandshaker.SniffLength), FindStreamKey, Choose, cancellationToken)
            .ConfigureAwait(false);
        var remote = await PeerHandshaker.ReceiveAsync(opened, cancellationToken).ConfigureAwait(false);
        if (!remote.InfoHash.AsSpan().SequenceEqual(streamKey))
            throw new Peers.PeerProtocolException("the handshake inside the encrypted stream names another torrent");
        return (opened, remote);
    }

    private byte[]? FindStreamKey(byte[] tag)
    {
        if (_tags.Count > MaxTags)
            _tags.Clear(); // torrents come and go; the cache only saves hashing
        foreach (var hash in served())
        {
            var key = hash.Truncated;
            if (_tags.GetOrAdd(key, k => MseCrypto.StreamKeyTag(k.Span)).AsSpan().SequenceEqual(tag))
                return key.Span.ToArray();
        }
        return null;
    }

    /// <summary>
    /// When encryption is required, RC4 or nothing. Otherwise plaintext after the handshake when
    /// the dialler offers it (as libtorrent chooses by default: the opening is hidden, the payload
    /// costs no cipher), and RC4 when that is all it offers.
    /// </summary>
    private uint Choose(uint provide)
    {
        bool rc4 = (provide & MseHandshake.Rc4) != 0, plain = (provide & MseHandshake.Plaintext) != 0;
        if (policy() == EncryptionPolicy.Require)
            return rc4 ? MseHandshake.Rc4 : 0;
        return plain ? MseHandshake.Plaintext : rc4 ? MseHandshake.Rc4 : 0;
    }
}

using Shoal.Bencode;
using Shoal.Peers;
using Shoal.Wire;

namespace Shoal.Extensions;

/// <summary>
/// One BEP 10 extension (ut_metadata, ut_pex, ...): it names itself, adds its keys to our
/// extension handshake, learns each peer's handshake and receives the messages sent to its id.
/// Called under the torrent's lock: decide and queue sends, never block.
/// </summary>
internal interface IPeerExtension
{
    /// <summary>The name in the handshake's "m" dictionary.</summary>
    string Name { get; }

    /// <summary>Adds top-level keys to our handshake for <paramref name="peer"/> (metadata_size, for example).</summary>
    void AddHandshakeKeys(BDictionary handshake, SwarmPeer peer);

    /// <summary>The peer's extension handshake arrived (it may or may not support this extension).</summary>
    void OnHandshake(SwarmPeer peer, ExtensionHandshake remote);

    /// <summary>A message the peer sent to our id for this extension; throw <see cref="PeerProtocolException"/> to drop the peer.</summary>
    void OnMessage(SwarmPeer peer, ReadOnlySpan<byte> payload);

    /// <summary>The peer left: forget what is kept for it.</summary>
    void OnDisconnected(SwarmPeer peer);

    /// <summary>Once a second: time-outs and periodic sends.</summary>
    void OnTick()
    {
    }
}

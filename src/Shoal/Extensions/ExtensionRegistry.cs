using Shoal.Bencode;
using Shoal.Peers;
using Shoal.Wire;

namespace Shoal.Extensions;

/// <summary>
/// A torrent's BEP 10 extensions. Ours are numbered 1, 2, ... in registration order; a peer
/// sends to those ids, and we send to the ids its handshake assigned. Messages to an id we did
/// not assign are ignored, as BEP 10 asks.
/// </summary>
internal sealed class ExtensionRegistry
{
    private readonly List<IPeerExtension> _extensions = [];

    /// <summary>Adds an extension; its local id is its position plus one.</summary>
    /// <summary>The registered extensions that also find peers (ut_pex): the run starts them with its peer sources.</summary>
    public IEnumerable<Discovery.IPeerSource> PeerSources => _extensions.OfType<Discovery.IPeerSource>();

    public byte Register(IPeerExtension extension)
    {
        if (_extensions.Count >= 250)
            throw new InvalidOperationException("too many extensions");
        if (_extensions.Any(e => e.Name == extension.Name))
            throw new InvalidOperationException($"extension {extension.Name} is registered twice");
        _extensions.Add(extension);
        return (byte)_extensions.Count;
    }

    /// <summary>Our handshake for <paramref name="peer"/>: the common fields plus every extension's name and keys.</summary>
    public byte[] Handshake(ExtensionHandshake common, SwarmPeer peer)
    {
        var ids = new Dictionary<string, byte>();
        for (int i = 0; i < _extensions.Count; i++)
            ids[_extensions[i].Name] = (byte)(i + 1);
        var extra = new BDictionary();
        foreach (var extension in _extensions)
            extension.AddHandshakeKeys(extra, peer);
        return (common with { Extensions = ids }).Encode(extra);
    }

    public void OnHandshake(SwarmPeer peer, ExtensionHandshake remote)
    {
        foreach (var extension in _extensions)
            extension.OnHandshake(peer, remote);
    }

    /// <summary>Routes a message sent to our id <paramref name="localId"/> (never 0: that is the handshake).</summary>
    public void OnMessage(SwarmPeer peer, byte localId, ReadOnlySpan<byte> payload)
    {
        if (localId == 0 || localId > _extensions.Count)
            return;
        _extensions[localId - 1].OnMessage(peer, payload);
    }

    public void OnDisconnected(SwarmPeer peer)
    {
        foreach (var extension in _extensions)
            extension.OnDisconnected(peer);
    }

    public void OnTick()
    {
        foreach (var extension in _extensions)
            extension.OnTick();
    }

    /// <summary>Sends an extension message to <paramref name="peer"/> under the id its handshake gave <paramref name="name"/>; false when it does not support it.</summary>
    public static bool Send(SwarmPeer peer, string name, ReadOnlySpan<byte> payload)
    {
        if (peer.Wire is not { } wire || peer.Extensions?.Extensions.TryGetValue(name, out byte id) != true)
            return false;
        wire.SendExtended(id, payload);
        return true;
    }
}

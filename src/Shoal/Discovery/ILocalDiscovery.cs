using System.Net;
using Shoal.Metainfo;

namespace Shoal.Discovery;

/// <summary>What an <see cref="LsdSource"/> needs of local service discovery: announcing, and hearing others' announces.</summary>
internal interface ILocalDiscovery
{
    /// <summary>Hands the peers announced for <paramref name="infoHash"/> to <paramref name="found"/> until unregistered.</summary>
    void Register(InfoHash infoHash, Action<IPEndPoint> found);
    void Unregister(InfoHash infoHash);
    /// <summary>Announces <paramref name="hashes"/> with our <paramref name="port"/>; how many datagrams left.</summary>
    int Announce(IReadOnlyList<InfoHash> hashes, int port);
}

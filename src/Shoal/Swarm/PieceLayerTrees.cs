namespace Shoal.Swarm;

/// <summary>
/// The trees above each file's piece layer, built once on the first hash request for that file
/// and kept (a torrent's piece layers are immutable), so answering costs a copy, not a rehash.
/// Thread-safe; used outside the torrent's lock.
/// </summary>
internal sealed class PieceLayerTrees
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, List<byte[]>> _trees = new();

    public int Count => _trees.Count;

    public List<byte[]> Get(string root, Func<List<byte[]>> build) => _trees.GetOrAdd(root, _ => build());
}

using Shoal.Metainfo;

namespace Shoal.Storage;

/// <summary>Checks data on disk against a torrent's hashes, in parallel on all cores.</summary>
public static class TorrentVerifier
{
    /// <summary>Where <paramref name="file"/> lives under save folder <paramref name="saveDirectory"/>.</summary>
    public static string PathOf(string saveDirectory, TorrentFile file) =>
        Path.Combine([saveDirectory, .. file.PathComponents]);

    /// <summary>Hashes the data under <paramref name="saveDirectory"/> against the torrent, every piece, on all cores; <paramref name="progress"/> hears the bytes read so far.</summary>
    public static async Task<VerifyResult> VerifyAsync(Torrent torrent, string saveDirectory, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        var states = new PieceState[torrent.PieceCount];
        await PieceHashing.RunAsync(
            torrent.Files,
            torrent.Space,
            file => PathOf(saveDirectory, file),
            torrent.HasV1,
            torrent.HasV2,
            (piece, complete, sha1, leaves) => states[piece] = !complete ? PieceState.Missing
                : Matches(torrent, piece, sha1, leaves) ? PieceState.Good : PieceState.Bad,
            progress,
            cancellationToken).ConfigureAwait(false);
        return new VerifyResult(torrent, states);
    }

    /// <summary>True when a piece's hashes match every hash the torrent has for it (v1 and, for v2/hybrid, v2).</summary>
    public static bool Matches(Torrent torrent, int piece, ReadOnlySpan<byte> sha1, ReadOnlySpan<byte> leaves)
    {
        if (torrent.HasV1 && !sha1.SequenceEqual(torrent.PieceHashV1(piece)))
            return false;
        if (torrent.HasV2)
        {
            var expected = torrent.PieceHashV2(piece, out bool isFileRoot);
            var actual = isFileRoot ? MerkleTree.FileRootFromLeaves(leaves) : MerkleTree.PieceHashFromLeaves(leaves, torrent.PieceLength);
            if (!actual.AsSpan().SequenceEqual(expected))
                return false;
        }
        return true;
    }
}

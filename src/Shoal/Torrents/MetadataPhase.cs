using Shoal.Metainfo;
using Shoal.Storage;

namespace Shoal;

/// <summary>
/// Waits for the metadata of a torrent added from its identity: given whole (by
/// <see cref="TorrentSession.SetMetadata"/>), or as an info dictionary fetched from peers (BEP 9)
/// to which the magnet's trackers and web seeds are added and, for v2, the piece layers fetched
/// from peers (BEP 52). A fetched torrent is kept in the state folder for the next start.
/// </summary>
internal sealed class MetadataPhase(TorrentSession session, TorrentSwarm swarm)
{
    public async Task<Torrent> RunAsync(CancellationToken token)
    {
        await Task.WhenAny(session.MetadataArrived, session.InfoArrived).WaitAsync(token).ConfigureAwait(false);
        if (session.MetadataArrived.IsCompleted)
            return await session.MetadataArrived.ConfigureAwait(false);
        var info = await session.InfoArrived.ConfigureAwait(false);
        Torrent torrent;
        try
        {
            torrent = FromInfo(info, session.Identity);
        }
        catch (TorrentFormatException e)
        {
            throw new InvalidDataException($"the metadata from peers matches the info-hash but is not usable: {e.Message}", e);
        }
        if (torrent.FilesMissingPieceLayers.Count > 0)
        {
            var layers = await swarm.FetchPieceLayersAsync(torrent, token).ConfigureAwait(false);
            torrent = torrent with { PieceLayers = layers };
        }
        try
        {
            AtomicFile.Write(SavedPath(session.Client, session.Identity.InfoHashes.Primary), torrent.ToBytes());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            EngineLog.ResumeNotSaved(session.Logger, session.Name, e.Message);
        }
        try
        {
            session.SetMetadata(torrent);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new InvalidDataException(e.Message, e); // the file selection refused it: the torrent stops with that message
        }
        return torrent;
    }

    /// <summary>A torrent from a fetched info dictionary, with the identity's trackers and web seeds (no piece layers yet).</summary>
    public static Torrent FromInfo(ReadOnlySpan<byte> info, TorrentIdentity identity)
    {
        var document = new byte[info.Length + 8];
        "d4:info"u8.CopyTo(document);
        info.CopyTo(document.AsSpan(7));
        document[^1] = (byte)'e';
        var torrent = TorrentParser.Parse(document, requirePieceLayers: false);
        return torrent with { Trackers = identity.Trackers, WebSeeds = identity.WebSeeds };
    }

    /// <summary>Where a torrent's fetched metadata is kept: the state folder, by its info-hash.</summary>
    public static string SavedPath(ShoalClient client, InfoHash hash) => Path.Combine(client.ResumeDirectory, hash.ToHex() + ".torrent");

    /// <summary>The metadata kept by an earlier run, when it is there, valid and that of <paramref name="identity"/>.</summary>
    public static Torrent? LoadSaved(ShoalClient client, TorrentIdentity identity)
    {
        string path = SavedPath(client, identity.InfoHashes.Primary);
        if (!File.Exists(path))
            return null;
        try
        {
            var torrent = TorrentParser.Load(path);
            return identity.Matches(torrent) ? torrent : null;
        }
        catch (Exception e) when (e is TorrentFormatException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}

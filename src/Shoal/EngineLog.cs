using Microsoft.Extensions.Logging;

namespace Shoal;

/// <summary>The engine's log messages (source-generated: no formatting unless the level is on).</summary>
internal static partial class EngineLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "{Torrent}: connected {Direction} {Peer} over {Transport}")]
    public static partial void PeerConnected(ILogger logger, string torrent, string direction, string peer, Net.PeerTransport transport);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "{Torrent}: closed {Peer}: {Reason} (received {Received} bytes of blocks, sent {Sent})")]
    public static partial void PeerClosed(ILogger logger, string torrent, object peer, string? reason, long received, long sent);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "{Torrent}: refused {Peer}: {Reason}")]
    public static partial void PeerRefused(ILogger logger, string torrent, string peer, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "{Torrent}: banned {Peer}: {Reason}")]
    public static partial void PeerBanned(ILogger logger, string torrent, string peer, string reason);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "{Torrent}: piece {Piece} failed its hash check (blocks from {Senders})")]
    public static partial void PieceFailed(ILogger logger, string torrent, int piece, string senders);

    [LoggerMessage(EventId = 6, Level = LogLevel.Debug, Message = "{Torrent}: {Outcome} a hash request from {Peer}")]
    public static partial void HashRequest(ILogger logger, string torrent, string outcome, object peer);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "{Torrent}: {Source}: {Error}")]
    public static partial void SourceError(ILogger logger, string torrent, string source, string error);

    [LoggerMessage(EventId = 9, Level = LogLevel.Error, Message = "{Torrent}: cannot save resume data: {Error}")]
    public static partial void ResumeNotSaved(ILogger logger, string torrent, string error);

    [LoggerMessage(EventId = 10, Level = LogLevel.Error, Message = "{Torrent}: stopped by an error: {Error}")]
    public static partial void TorrentFailed(ILogger logger, string torrent, string error);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "{Torrent}: {State}")]
    public static partial void StateChanged(ILogger logger, string torrent, TorrentState state);

    [LoggerMessage(EventId = 12, Level = LogLevel.Critical, Message = "{Torrent}: a bug of ours stopped it")]
    public static partial void InternalError(ILogger logger, string torrent, Exception exception);

    [LoggerMessage(EventId = 15, Level = LogLevel.Critical, Message = "{What} failed: a bug of ours; the running torrents stop with this error")]
    public static partial void ClientFailed(ILogger logger, string what, Exception exception);

    [LoggerMessage(EventId = 16, Level = LogLevel.Information, Message = "peers and DHT nodes agree that they see us at {Address}")]
    public static partial void ExternalAddressLearned(ILogger logger, System.Net.IPAddress address);

    [LoggerMessage(EventId = 13, Level = LogLevel.Information, Message = "{Torrent}: initial seeding done, the peers together hold every piece; seeding as usual now")]
    public static partial void InitialSeedingDone(ILogger logger, string torrent);

    [LoggerMessage(EventId = 14, Level = LogLevel.Trace, Message = "{Torrent}: piece {Piece} verified (blocks from {Senders})")]
    public static partial void PieceVerified(ILogger logger, string torrent, int piece, string senders);

    [LoggerMessage(EventId = 17, Level = LogLevel.Information, Message = "{Torrent}: {Files} file(s), {Bytes} bytes, copied from other torrents of this client; the check verifies them")]
    public static partial void Reused(ILogger logger, string torrent, int files, long bytes);
}

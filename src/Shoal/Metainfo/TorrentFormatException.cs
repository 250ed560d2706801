namespace Shoal.Metainfo;

/// <summary>A torrent or magnet link that is malformed or unsafe; names the field and the reason.</summary>
public sealed class TorrentFormatException : FormatException
{
    /// <summary>The torrent's <paramref name="field"/> is wrong for <paramref name="reason"/>.</summary>
    public TorrentFormatException(string field, string reason)
        : base($"{field}: {reason}")
    {
        Field = field;
        Reason = reason;
    }

    /// <summary>The torrent's <paramref name="field"/> is wrong for <paramref name="reason"/>, found through <paramref name="inner"/>.</summary>
    public TorrentFormatException(string field, string reason, Exception inner)
        : base($"{field}: {reason}", inner)
    {
        Field = field;
        Reason = reason;
    }

    /// <summary>The field at fault ('info.pieces', 'announce', 'file').</summary>
    public string Field { get; }
    /// <summary>What is wrong with it.</summary>
    public string Reason { get; }
}

namespace Shoal.Metainfo;

/// <summary>A torrent or magnet link that is malformed or unsafe; names the field and the reason.</summary>
public sealed class TorrentFormatException : FormatException
{
    public TorrentFormatException(string field, string reason)
        : base($"{field}: {reason}")
    {
        Field = field;
        Reason = reason;
    }

    public TorrentFormatException(string field, string reason, Exception inner)
        : base($"{field}: {reason}", inner)
    {
        Field = field;
        Reason = reason;
    }

    public string Field { get; }
    public string Reason { get; }
}

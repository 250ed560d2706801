namespace Shoal.Metainfo;

/// <summary>Which BitTorrent metainfo a torrent has.</summary>
public enum TorrentVersion
{
    /// <summary>BEP 3: SHA-1 pieces over the concatenated files.</summary>
    V1,
    /// <summary>BEP 52: per-file SHA-256 merkle trees.</summary>
    V2,
    /// <summary>Both at once: v1 pieces with padding files aligned to the v2 file tree.</summary>
    Hybrid,
}

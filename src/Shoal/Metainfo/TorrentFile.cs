namespace Shoal.Metainfo;

/// <summary>One file of a torrent, placed in the torrent's piece address space.</summary>
public sealed class TorrentFile
{
    /// <summary>Path components relative to the save folder (the torrent's name first for multi-file torrents).</summary>
    public required IReadOnlyList<string> PathComponents { get; init; }

    /// <summary>The path relative to the save folder with '/' separators.</summary>
    public string Path => string.Join('/', PathComponents);

    /// <summary>Its size in bytes.</summary>
    public required long Length { get; init; }

    /// <summary>Byte offset of the file's first byte in the piece address space.</summary>
    public required long Offset { get; init; }

    /// <summary>BEP 47 attributes ('p' padding, 'x' executable, 'h' hidden, 'l' symlink), or empty.</summary>
    public string Attributes { get; init; } = "";

    /// <summary>A BEP 47 padding file: zeros that are never written to disk.</summary>
    public bool IsPadding => Attributes.Contains('p');
    /// <summary>BEP 47 'x': the file should be executable.</summary>
    public bool IsExecutable => Attributes.Contains('x');
    /// <summary>BEP 47 'h': the file should be hidden.</summary>
    public bool IsHidden => Attributes.Contains('h');
    /// <summary>BEP 47 'l': the file is a symbolic link.</summary>
    public bool IsSymlink => Attributes.Contains('l');

    /// <summary>The v2 merkle root of the file (32 bytes), empty for v1-only torrents and empty files.</summary>
    public ReadOnlyMemory<byte> PiecesRoot { get; init; }

    /// <summary>The offset just past its last byte in the piece address space.</summary>
    public long EndOffset => Offset + Length;

    /// <inheritdoc/>
    public override string ToString() => $"{Path} ({Length} bytes)";
}

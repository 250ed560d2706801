namespace Shoal.Metainfo;

/// <summary>Where part of a range of piece space lives: a file, the offset in it, and the part of the caller's buffer.</summary>
internal readonly record struct FileRange(int File, long FileOffset, int BufferOffset, int Length);

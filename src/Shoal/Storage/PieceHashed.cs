namespace Shoal.Storage;

/// <summary>Receives one piece's hashes: its SHA-1 (v1) and the SHA-256 leaf hashes of its v2 data.</summary>
internal delegate void PieceHashed(int piece, bool complete, ReadOnlySpan<byte> sha1, ReadOnlySpan<byte> leaves);

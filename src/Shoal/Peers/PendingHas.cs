namespace Shoal.Peers;

/// <summary>
/// What a peer said it has before we knew the metadata (so before we knew the piece count): kept
/// as it came, bounded, and turned into its bitfield (or refused) once the metadata arrives.
/// </summary>
internal sealed class PendingHas
{
    /// <summary>Have messages kept before the metadata; more are ignored (a bitfield says the same more cheaply).</summary>
    public const int MaxHaves = 65_536;

    public bool All { get; private set; }
    public byte[]? Bitfield { get; private set; }
    public HashSet<int> Haves { get; } = [];

    public void HaveAll() => All = true;

    /// <summary>Keeps a bitfield's bytes (the connection already bounded the message's length).</summary>
    public void SetBitfield(ReadOnlySpan<byte> bytes) => Bitfield = bytes.ToArray();

    public void Have(int piece)
    {
        if (piece >= 0 && Haves.Count < MaxHaves)
            Haves.Add(piece);
    }
}

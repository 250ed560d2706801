namespace Shoal.Bencode;

/// <summary>Bounds applied while decoding untrusted bencode.</summary>
public sealed record BencodeLimits
{
    /// <summary>Maximum nesting of lists and dictionaries.</summary>
    public int MaxDepth { get; init; } = 64;

    /// <summary>Maximum number of values (strings, integers, lists, dictionaries) in one document.</summary>
    public int MaxTokens { get; init; } = 4_000_000;

    /// <summary>Reject dictionaries whose keys are not in ascending raw-byte order.</summary>
    public bool RequireSortedKeys { get; init; }

    /// <summary>Limits for .torrent files and tracker answers.</summary>
    public static BencodeLimits Default { get; } = new();
    /// <summary>Tighter limits for small messages from peers and DHT nodes.</summary>
    public static BencodeLimits Strict { get; } = new() { RequireSortedKeys = true };
}

namespace Shoal.Net.Mse;

/// <summary>
/// The RC4 stream cipher as MSE uses it: keyed with a 20-byte SHA-1 value, with the first
/// 1,024 bytes of key stream thrown away. Applying it twice with equal state gives the input back.
/// </summary>
internal sealed class Rc4
{
    /// <summary>Bytes of key stream MSE discards before the first one it uses.</summary>
    public const int MseDiscard = 1024;

    private readonly byte[] _s = new byte[256];
    private byte _i;
    private byte _j;

    public Rc4(ReadOnlySpan<byte> key, int discard = MseDiscard)
    {
        if (key.IsEmpty || key.Length > 256)
            throw new ArgumentException("an RC4 key is 1 to 256 bytes", nameof(key));
        for (int k = 0; k < 256; k++)
            _s[k] = (byte)k;
        int j = 0;
        for (int k = 0; k < 256; k++)
        {
            j = (j + _s[k] + key[k % key.Length]) & 0xFF;
            (_s[k], _s[j]) = (_s[j], _s[k]);
        }
        Skip(discard);
    }

    /// <summary>Advances the key stream by <paramref name="count"/> bytes without using them.</summary>
    public void Skip(int count)
    {
        Span<byte> scratch = stackalloc byte[256];
        while (count > 0)
        {
            int n = Math.Min(count, scratch.Length);
            Apply(scratch[..n]);
            count -= n;
        }
    }

    /// <summary>XORs <paramref name="data"/> with the next key stream bytes, in place.</summary>
    public void Apply(Span<byte> data) => Apply(data, data);

    /// <summary>Writes <paramref name="source"/> XOR the next key stream bytes to <paramref name="destination"/> (same length; may be the same memory).</summary>
    public void Apply(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (destination.Length < source.Length)
            throw new ArgumentException("the destination is shorter than the source", nameof(destination));
        byte[] s = _s;
        byte i = _i, j = _j;
        for (int k = 0; k < source.Length; k++)
        {
            i++;
            byte si = s[i];
            j += si;
            byte sj = s[j];
            s[i] = sj;
            s[j] = si;
            destination[k] = (byte)(source[k] ^ s[(byte)(si + sj)]);
        }
        _i = i;
        _j = j;
    }
}

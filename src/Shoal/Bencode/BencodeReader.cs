namespace Shoal.Bencode;

/// <summary>
/// Strict BEP 3 decoder over a byte buffer. Never allocates more than the input justifies:
/// every declared string length is checked against the bytes that remain before anything is
/// read, integers must fit in 64 bits, and depth and token count are bounded.
/// </summary>
public static class BencodeReader
{
    /// <summary>Decodes exactly one value that spans the whole buffer.</summary>
    public static BValue Decode(ReadOnlyMemory<byte> data, BencodeLimits? limits = null)
    {
        var value = DecodePrefix(data, out int consumed, limits);
        if (consumed != data.Length)
            throw new BencodeException($"{data.Length - consumed} unexpected bytes after the value", consumed);
        return value;
    }

    /// <summary>Decodes the value at the start of the buffer; <paramref name="consumed"/> is its length.</summary>
    public static BValue DecodePrefix(ReadOnlyMemory<byte> data, out int consumed, BencodeLimits? limits = null)
    {
        var state = new State(data, limits ?? BencodeLimits.Default);
        if (data.IsEmpty)
            throw new BencodeException("empty input", 0);
        var value = state.ReadValue(0);
        consumed = state.Position;
        return value;
    }

    /// <summary>Decodes without throwing; the error carries the reason and offset.</summary>
    public static bool TryDecode(ReadOnlyMemory<byte> data, out BValue? value, out BencodeException? error, BencodeLimits? limits = null)
    {
        try
        {
            value = Decode(data, limits);
            error = null;
            return true;
        }
        catch (BencodeException e)
        {
            value = null;
            error = e;
            return false;
        }
    }

    private sealed class State(ReadOnlyMemory<byte> data, BencodeLimits limits)
    {
        private readonly ReadOnlyMemory<byte> _data = data;
        private readonly BencodeLimits _limits = limits;
        private int _tokens;
        public int Position;

        private ReadOnlySpan<byte> Span => _data.Span;

        public BValue ReadValue(int depth)
        {
            if (++_tokens > _limits.MaxTokens)
                throw new BencodeException($"more than {_limits.MaxTokens} values", Position);
            if (Position >= _data.Length)
                throw new BencodeException("unexpected end of input, expected a value", Position);

            int start = Position;
            BValue value;
            byte b = Span[Position];
            switch (b)
            {
                case (byte)'i':
                    value = new BInteger(ReadInteger());
                    break;
                case (byte)'l':
                    value = ReadList(depth + 1);
                    break;
                case (byte)'d':
                    value = ReadDictionary(depth + 1);
                    break;
                case >= (byte)'0' and <= (byte)'9':
                    value = ReadString();
                    break;
                default:
                    throw new BencodeException($"unexpected byte 0x{b:x2}, expected 'i', 'l', 'd' or a digit", Position);
            }
            value.Offset = start;
            value.Raw = _data[start..Position];
            return value;
        }

        private long ReadInteger()
        {
            int start = Position;
            Position++; // 'i'
            var span = Span;
            bool negative = false;
            if (Position < span.Length && span[Position] == '-')
            {
                negative = true;
                Position++;
            }
            int digitsStart = Position;
            ulong magnitude = 0;
            while (Position < span.Length && span[Position] is >= (byte)'0' and <= (byte)'9')
            {
                ulong digit = (ulong)(span[Position] - '0');
                if (magnitude > (ulong.MaxValue - digit) / 10)
                    throw new BencodeException("integer does not fit in 64 bits", start);
                magnitude = magnitude * 10 + digit;
                Position++;
            }
            int digits = Position - digitsStart;
            if (Position >= span.Length)
                throw new BencodeException("unterminated integer", start);
            if (span[Position] != 'e')
                throw new BencodeException($"unexpected byte 0x{span[Position]:x2} in integer", Position);
            if (digits == 0)
                throw new BencodeException("integer without digits", start);
            if (digits > 1 && span[digitsStart] == '0')
                throw new BencodeException("integer with a leading zero", start);
            if (negative && magnitude == 0)
                throw new BencodeException("negative zero", start);
            Position++; // 'e'
            if (negative)
            {
                if (magnitude > (ulong)long.MaxValue + 1)
                    throw new BencodeException("integer does not fit in 64 bits", start);
                return magnitude == (ulong)long.MaxValue + 1 ? long.MinValue : -(long)magnitude;
            }
            if (magnitude > long.MaxValue)
                throw new BencodeException("integer does not fit in 64 bits", start);
            return (long)magnitude;
        }

        private BString ReadString()
        {
            int start = Position;
            var span = Span;
            long length = 0;
            int digitsStart = Position;
            while (Position < span.Length && span[Position] is >= (byte)'0' and <= (byte)'9')
            {
                length = length * 10 + (span[Position] - '0');
                if (length > int.MaxValue)
                    throw new BencodeException("string length does not fit in 32 bits", start);
                Position++;
            }
            if (Position - digitsStart > 1 && span[digitsStart] == '0')
                throw new BencodeException("string length with a leading zero", start);
            if (Position >= span.Length)
                throw new BencodeException("unterminated string length", start);
            if (span[Position] != ':')
                throw new BencodeException($"unexpected byte 0x{span[Position]:x2} in string length", Position);
            Position++;
            long remaining = span.Length - Position;
            if (length > remaining)
                throw new BencodeException($"string of {length} bytes but only {remaining} remain", start);
            var bytes = _data.Slice(Position, (int)length);
            Position += (int)length;
            return new BString(bytes);
        }

        private BList ReadList(int depth)
        {
            int start = Position;
            if (depth > _limits.MaxDepth)
                throw new BencodeException($"nesting deeper than {_limits.MaxDepth}", start);
            Position++; // 'l'
            var list = new BList();
            while (true)
            {
                if (Position >= _data.Length)
                    throw new BencodeException("unterminated list", start);
                if (Span[Position] == 'e')
                {
                    Position++;
                    return list;
                }
                list.Add(ReadValue(depth));
            }
        }

        private BDictionary ReadDictionary(int depth)
        {
            int start = Position;
            if (depth > _limits.MaxDepth)
                throw new BencodeException($"nesting deeper than {_limits.MaxDepth}", start);
            Position++; // 'd'
            var dict = new BDictionary();
            BString? previous = null;
            HashSet<BString>? seen = null;
            bool sorted = true;
            while (true)
            {
                if (Position >= _data.Length)
                    throw new BencodeException("unterminated dictionary", start);
                byte b = Span[Position];
                if (b == 'e')
                {
                    Position++;
                    return dict;
                }
                if (b is < (byte)'0' or > (byte)'9')
                    throw new BencodeException("dictionary key is not a string", Position);
                int keyOffset = Position;
                if (++_tokens > _limits.MaxTokens)
                    throw new BencodeException($"more than {_limits.MaxTokens} values", Position);
                var key = ReadString();
                key.Offset = keyOffset;
                key.Raw = _data[keyOffset..Position];
                if (previous is not null)
                {
                    int cmp = previous.Span.SequenceCompareTo(key.Span);
                    if (cmp == 0)
                        throw new BencodeException($"duplicate dictionary key '{key.Text}'", keyOffset);
                    if (cmp > 0)
                    {
                        if (_limits.RequireSortedKeys)
                            throw new BencodeException($"dictionary key '{key.Text}' is out of order", keyOffset);
                        sorted = false;
                    }
                }
                if (!sorted)
                {
                    // Out-of-order keys are tolerated (the info-hash uses the raw bytes), duplicates never.
                    seen ??= [.. dict.Entries.Select(e => e.Key)];
                    if (!seen.Add(key))
                        throw new BencodeException($"duplicate dictionary key '{key.Text}'", keyOffset);
                }
                previous = key;
                dict.AppendDecoded(key, ReadValue(depth));
            }
        }
    }
}

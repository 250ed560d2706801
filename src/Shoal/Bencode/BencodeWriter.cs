using System.Buffers;
using System.Buffers.Text;

namespace Shoal.Bencode;

/// <summary>Encodes values; dictionaries are written in their stored order, so a decoded value re-encodes byte for byte.</summary>
public static class BencodeWriter
{
    /// <summary>The canonical encoding of <paramref name="value"/>.</summary>
    public static byte[] Encode(BValue value)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        Write(buffer, value);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes the canonical encoding of <paramref name="value"/> to <paramref name="output"/>.</summary>
    public static void Write(IBufferWriter<byte> output, BValue value)
    {
        switch (value)
        {
            case BInteger i:
                output.Write("i"u8);
                WriteNumber(output, i.Value);
                output.Write("e"u8);
                break;
            case BString s:
                WriteNumber(output, s.Bytes.Length);
                output.Write(":"u8);
                output.Write(s.Span);
                break;
            case BList l:
                output.Write("l"u8);
                foreach (var item in l.Items)
                    Write(output, item);
                output.Write("e"u8);
                break;
            case BDictionary d:
                output.Write("d"u8);
                foreach (var (key, item) in d.Entries)
                {
                    Write(output, key);
                    Write(output, item);
                }
                output.Write("e"u8);
                break;
            default:
                throw new ArgumentException($"unknown bencode value {value.GetType().Name}", nameof(value));
        }
    }

    private static void WriteNumber(IBufferWriter<byte> output, long number)
    {
        var span = output.GetSpan(20);
        Utf8Formatter.TryFormat(number, span, out int written);
        output.Advance(written);
    }
}

using System.Text;
using Shoal.Bencode;

namespace Shoal.Tests.Bencode;

public class BencodeWriterTests
{
    [Fact]
    public void WritesSortedDictionariesAndAllTypes()
    {
        var dict = new BDictionary()
            .Set("zeta", 1)
            .Set("alpha", "x")
            .Set("list", new BList([new BInteger(-5), new BString("ab")]))
            .Set("alpha", "y"); // replaces
        Assert.Equal("d5:alpha1:y4:listli-5e2:abe4:zetai1ee", Encoding.Latin1.GetString(BencodeWriter.Encode(dict)));
    }

    [Fact]
    public void KeysSortAsRawBytesNotText()
    {
        // 'Z' (0x5A) sorts before 'a' (0x61); a 0xFF byte sorts last.
        var dict = new BDictionary()
            .Set(new BString(new byte[] { 0xFF }), new BInteger(3))
            .Set("a", 2)
            .Set("Z", 1);
        Assert.Equal([(byte)'Z', (byte)'a', 0xFF], dict.Entries.Select(e => e.Key.Span[0]));
    }

    [Fact]
    public void SettingAKeyDropsTheStaleRawEncoding()
    {
        var dict = (BDictionary)BencodeReader.Decode(Encoding.Latin1.GetBytes("d1:ai1ee"));
        dict.Set("b", 2);
        Assert.Equal("d1:ai1e1:bi2ee", Encoding.Latin1.GetString(dict.Encoded.Span));
    }
}

using Shoal.Bencode;
using static Shoal.Tests.TestData;

namespace Shoal.Tests.Bencode;

public class BencodeReaderTests
{
    [Theory]
    [InlineData("i0e", 0L)]
    [InlineData("i42e", 42L)]
    [InlineData("i-3e", -3L)]
    [InlineData("i9223372036854775807e", long.MaxValue)]
    [InlineData("i-9223372036854775808e", long.MinValue)]
    public void DecodesIntegers(string input, long expected) =>
        Assert.Equal(expected, Assert.IsType<BInteger>(BencodeReader.Decode(Bytes(input))).Value);

    [Fact]
    public void DecodesStringsListsAndDictionaries()
    {
        var value = BencodeReader.Decode(Bytes("d3:cow3:moo4:spaml1:a1:bee"));
        var dict = Assert.IsType<BDictionary>(value);
        Assert.Equal("moo", Assert.IsType<BString>(dict["cow"]).Text);
        var list = Assert.IsType<BList>(dict["spam"]);
        Assert.Equal(["a", "b"], list.Items.Select(i => ((BString)i).Text));
        Assert.Equal("", Assert.IsType<BString>(BencodeReader.Decode(Bytes("0:"))).Text);
    }

    [Theory]
    [InlineData("i03e", 0, "leading zero")]
    [InlineData("i-0e", 0, "negative zero")]
    [InlineData("ie", 0, "without digits")]
    [InlineData("i-e", 0, "without digits")]
    [InlineData("i12", 0, "unterminated integer")]
    [InlineData("i1x2e", 2, "in integer")]
    [InlineData("i9223372036854775808e", 0, "64 bits")]
    [InlineData("i-9223372036854775809e", 0, "64 bits")]
    [InlineData("i99999999999999999999999e", 0, "64 bits")]
    [InlineData("03:abc", 0, "leading zero")]
    [InlineData("5:abc", 0, "only 3 remain")]
    [InlineData("2000000000:x", 0, "only 1 remain")]
    [InlineData("99999999999:x", 0, "32 bits")]
    [InlineData("3abc", 1, "string length")]
    [InlineData("l", 0, "unterminated list")]
    [InlineData("li1e", 0, "unterminated list")]
    [InlineData("d3:cow", 6, "unexpected end")]
    [InlineData("di1ei2ee", 1, "key is not a string")]
    [InlineData("d1:ai1e1:ai2ee", 7, "duplicate dictionary key 'a'")]
    [InlineData("d1:bi1e1:ai2e1:bi3ee", 13, "duplicate dictionary key 'b'")]
    [InlineData("x", 0, "unexpected byte 0x78")]
    [InlineData("", 0, "empty input")]
    [InlineData("i1ei2e", 3, "unexpected bytes after the value")]
    public void RejectsMalformedInputWithReasonAndOffset(string input, int offset, string reason)
    {
        var error = Assert.Throws<BencodeException>(() => BencodeReader.Decode(Bytes(input)));
        Assert.Equal(offset, error.Offset);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Contains($"at byte {offset}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LimitsNestingDepth()
    {
        var deep = Bytes(new string('l', 65) + new string('e', 65));
        var error = Assert.Throws<BencodeException>(() => BencodeReader.Decode(deep));
        Assert.Contains("nesting deeper than 64", error.Message, StringComparison.Ordinal);
        var fine = Bytes(new string('l', 64) + new string('e', 64));
        Assert.IsType<BList>(BencodeReader.Decode(fine));
        // A hundred thousand levels must be refused, not overflow the stack.
        Assert.Throws<BencodeException>(() => BencodeReader.Decode(Bytes(new string('d', 100_000))));
    }

    [Fact]
    public void LimitsTokenCount()
    {
        var many = Bytes("l" + string.Concat(Enumerable.Repeat("i1e", 100)) + "e");
        Assert.Throws<BencodeException>(() => BencodeReader.Decode(many, new BencodeLimits { MaxTokens = 50 }));
        Assert.Equal(100, ((BList)BencodeReader.Decode(many)).Count);
    }

    [Fact]
    public void UnsortedKeysAreToleratedUnlessStrict()
    {
        var data = Bytes("d1:bi1e1:ai2ee");
        var dict = Assert.IsType<BDictionary>(BencodeReader.Decode(data));
        Assert.Equal(["b", "a"], dict.Entries.Select(e => e.Key.Text));
        var error = Assert.Throws<BencodeException>(() => BencodeReader.Decode(data, BencodeLimits.Strict));
        Assert.Contains("out of order", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KeepsTheRawBytesOfEveryValue()
    {
        var data = Bytes("d4:infod1:zi1e1:ai2ee4:name3:abce");
        var dict = (BDictionary)BencodeReader.Decode(data);
        var info = dict["info"]!;
        Assert.Equal("d1:zi1e1:ai2ee", System.Text.Encoding.Latin1.GetString(info.Raw.Span));
        Assert.Equal(7, info.Offset);
        // Re-encoding keeps the source order, so it is byte for byte the input.
        Assert.Equal(data, BencodeWriter.Encode(dict));
    }

    [Fact]
    public void DecodePrefixReportsConsumedLength()
    {
        var data = Bytes("d8:msg_typei1e5:piecei0eeTRAILING");
        var value = BencodeReader.DecodePrefix(data, out int consumed);
        Assert.IsType<BDictionary>(value);
        Assert.Equal(data.Length - "TRAILING".Length, consumed);
    }

    [Fact]
    public void AHugeDeclaredLengthAllocatesNothing()
    {
        var data = Bytes("l2147483647:");
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<BencodeException>(() => BencodeReader.Decode(data));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 64 * 1024, $"decoding 12 bytes allocated {allocated} bytes");
    }
}
